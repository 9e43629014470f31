#!/bin/sh
# custos-verify as a BagIt validator (issue 18 item 8): the Library of
# Congress BagIt conformance suite, from the shared corpus (copied, never
# modified). Every valid/ bag must verify (exit 0), every invalid/ and
# linux-only/ bag must fail (never exit 0, never "VERIFIED"), and every
# warning/ bag must either fail or print a warning on stderr (the suite's own
# harness rules). windows-only/ bags are skipped, as its harness does on Linux.
set -u
# The corpus: $CUSTOS_CORPUS, else a shared/corpus directory beside the
# checkout or one of its parents (/work/shared/corpus for /work/wt/NAME).
corpus=
if [ -n "${CUSTOS_CORPUS:-}" ]; then
    corpus=$CUSTOS_CORPUS/bagit-conformance-suite
else
    d=${CUSTOS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
    while [ -n "$d" ] && [ "$d" != / ]; do
        d=$(dirname "$d")
        if [ -d "$d/shared/corpus/bagit-conformance-suite" ]; then
            corpus=$d/shared/corpus/bagit-conformance-suite; break
        fi
    done
fi
if [ -z "$corpus" ] || [ ! -d "$corpus" ]; then
    echo "1..0 # SKIP the BagIt conformance suite (shared/corpus/bagit-conformance-suite) is not beside the checkout; set CUSTOS_CORPUS"
    exit 0
fi
work=$(mktemp -d); trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -R "$corpus" "$work/suite" && chmod -R u+w "$work/suite"
cd "$work/suite" || exit 1
n=0; failed=0; valid=0; invalid=0; warned=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
for dir in v*/valid/*/ v*/invalid/*/ v*/linux-only/*/ v*/warning/*/; do
    [ -d "$dir" ] || continue
    bag=${dir%/}
    custos-verify -r "$bag" >out.txt 2>err.txt; rc=$?  # not -q: the verdict line is checked
    case $bag in
    */valid/*)
        valid=$((valid + 1))
        if [ "$rc" -eq 0 ] && grep -q '^VERIFIED' out.txt; then pass "valid $bag"
        else fail "valid $bag: exit $rc"; sed 's/^/# /' err.txt out.txt | head -5; fi ;;
    */invalid/* | */linux-only/*)
        invalid=$((invalid + 1))
        if [ "$rc" -ne 0 ] && ! grep -q VERIFIED out.txt; then pass "invalid $bag (exit $rc)"
        else fail "invalid $bag: exit $rc"; sed 's/^/# /' out.txt | tail -2; fi ;;
    */warning/*)
        if [ "$rc" -ne 0 ] || grep -q ': warning: ' err.txt; then
            warned=$((warned + 1)); pass "warning $bag (exit $rc, $(grep -c ': warning: ' err.txt) warnings)"
        else fail "warning $bag: exit 0 and no warning"; fi ;;
    esac
done
[ "$valid" -eq 27 ] && pass "27 valid bags run" || fail "valid bags run: $valid, expected 27"
[ "$invalid" -eq 21 ] && pass "21 invalid bags run" || fail "invalid bags run: $invalid, expected 21"
# The warnings are in the JSON report too.
custos-verify -q --json -r v0.97/warning/relative-path >out.txt 2>/dev/null
if grep -q '"warnings"' out.txt && grep -q 'starting with \\"./\\"' out.txt; then
    pass "the report lists the warnings"
else fail "the report lists the warnings"; fi
# A damaged sha512-only bag is never VERIFIED.
printf 'changed\n' > v1.0/valid/basicBag/data/hello.txt
custos-verify -q -r v1.0/valid/basicBag >out.txt 2>err.txt; rc=$?
if [ "$rc" -eq 1 ] && grep -q 'differs from the bag.s manifest-sha512.txt' out.txt; then
    pass "a changed file of a sha512-only bag: changed (exit 1)"
else fail "a changed file of a sha512-only bag: exit $rc"; sed 's/^/# /' out.txt err.txt | head; fi
# custos-seal verify of an unsigned foreign bag: BagIt only, and says it is not signed (exit 4).
custos-seal verify v1.0/valid/basicBag >out.txt 2>err.txt; rc=$?
if [ "$rc" -eq 4 ] && grep -q 'nothing signed this bag' out.txt && grep -q 'BagIt check: NOT valid' err.txt; then
    pass "custos-seal verify, an unsigned changed bag: exit 4, not signed, BagIt NOT valid"
else fail "custos-seal verify, an unsigned changed bag: exit $rc"; sed 's/^/# /' out.txt err.txt; fi
custos-seal verify v0.97/valid/basic-bag >out.txt 2>err.txt; rc=$?
if [ "$rc" -eq 4 ] && grep -q 'nothing signed this bag' out.txt && grep -q 'BagIt check: valid' err.txt; then
    pass "custos-seal verify, an unsigned valid bag: exit 4, never 0, BagIt valid"
else fail "custos-seal verify, an unsigned valid bag: exit $rc"; sed 's/^/# /' out.txt err.txt; fi
custos-seal verify v0.97/invalid/bom-in-bagit.txt >out.txt 2>err.txt; rc=$?
if [ "$rc" -eq 4 ] && grep -q 'byte-order mark' out.txt; then
    pass "custos-seal verify, an unsigned invalid bag: the BagIt rule it breaks"
else fail "custos-seal verify, an unsigned invalid bag: exit $rc"; sed 's/^/# /' out.txt err.txt; fi
echo "1..$n"
[ "$failed" -eq 0 ]
