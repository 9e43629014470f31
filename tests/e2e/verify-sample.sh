#!/bin/sh
# custos-verify sampling and parts: the same seed picks the same items on a
# directory and on an archive of it; the selection is the one
# docs/formats/verify-report.md defines (recomputed here with python3's
# hashlib); --part 1/t .. t/t cover every item exactly once; a sample or part
# that selects nothing exits 3; damage outside the sample is reported as
# not checked, never ok, and --recheck of an earlier report reads it again.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# The system python3 (a pyenv shim on PATH starts ten times slower).
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
# checked REPORT: the names whose content was compared, sorted, one a line
checked() {
    "$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("\n".join(sorted(i["name"] for i in r["items"] if i["content_checked"])))' "$1"
}

mkdir -p ev/a ev/b
i=0
while [ $i -lt 40 ]; do
    printf 'file %d\n' $i > "ev/$([ $((i % 2)) -eq 0 ] && echo a || echo b)/f$i.txt"
    i=$((i + 1))
done
custos-hash -q -o m.json ev >/dev/null
tar -czf ev.tar.gz ev

custos-verify -q -r m.json --sample 10 --seed 42 --json ev > s1.json; rc1=$?
custos-verify -q -r m.json --sample 10 --seed 42 --json ev.tar.gz > s2.json; rc2=$?
check "a sample of 10 exits 0" '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]'
checked s1.json > s1.txt; checked s2.json > s2.txt
check "it compares 10 items, the other 30 not checked" \
  '[ $(wc -l < s1.txt) -eq 10 ] && grep -q "\"not_checked\": 30" s1.json'
check "the same seed picks the same items in the directory and the archive" 'cmp -s s1.txt s2.txt'
check "the seed is in the report and the summary says what was not checked" \
  'grep -q "\"seed_decimal\": \"42\"" s1.json && grep -q "NOT checked" s1.json && ! grep -q "VERIFIED" s1.json'
"$PY" - > expect.txt <<'EOF'
import hashlib, json
names = [e["path"].split("/", 1)[1] for e in json.load(open("m.json"))["entries"]]
def score(seed, name):
    h = hashlib.sha256(b"custos-verify-sample-v1\0" + seed.to_bytes(8, "big") + name.encode())
    return int.from_bytes(h.digest()[:8], "big")
print("\n".join(sorted(sorted(names, key=lambda x: score(42, x))[:10])))
EOF
check "the selection is the documented one (python3 hashlib)" 'cmp -s s1.txt expect.txt'
custos-verify -q -r m.json --sample 10 --seed 43 --json ev > s3.json
checked s3.json > s3.txt
check "another seed picks other items" '! cmp -s s1.txt s3.txt'
custos-verify -q -r m.json --sample 25% --seed 1 --json ev > p.json
check "--sample 25% of 40 compares 10" '[ $(checked p.json | wc -l) -eq 10 ]'
custos-verify -r m.json --sample 5 --json ev > r1.json 2>/dev/null
seed=$("$PY" -c 'import json; print(json.load(open("r1.json"))["sample"]["seed_decimal"])')
custos-verify -q -r m.json --sample 5 --seed "$seed" --json ev > r2.json
check "a drawn seed is reported and repeats the check" '[ "$(checked r1.json)" = "$(checked r2.json)" ]'

# Parts.
: > union.txt
t=4; k=1; sum=0
while [ $k -le $t ]; do
    custos-verify -q -r m.json --part $k/$t --json ev.tar.gz > part$k.json || fail "part $k/$t exits 0"
    checked part$k.json >> union.txt
    sum=$((sum + $(checked part$k.json | wc -l)))
    k=$((k + 1))
done
check "parts 1/4..4/4 together cover all 40 items" '[ $(sort -u union.txt | wc -l) -eq 40 ]'
check "  each exactly once" '[ $sum -eq 40 ]'
check "  a part says part n/t and NOT checked" 'grep -q "part 1/4" part1.json && grep -q "NOT checked" part1.json'

mkdir one && printf 'only\n' > one/x
custos-hash -q -o one.json one >/dev/null
custos-verify -q -r one.json --part 1/2 one >/dev/null 2>&1; a=$?
custos-verify -q -r one.json --part 2/2 one >/dev/null 2>&1; b=$?
check "an empty part exits 3, the other 0" '{ [ $a -eq 3 ] && [ $b -eq 0 ]; } || { [ $a -eq 0 ] && [ $b -eq 3 ]; }'

# Damage outside the sample.
victim=$("$PY" -c 'import json
r = json.load(open("s1.json"))
print([i["name"] for i in r["items"] if not i["content_checked"]][0])')
printf 'F' | dd of="ev/$victim" bs=1 conv=notrunc status=none
custos-verify -q -r m.json --sample 10 --seed 42 --json ev > d1.json; rc=$?
check "damage outside the sample of the same size is not seen: exit 0" '[ $rc -eq 0 ]'
check "  and the item is not checked, never ok" \
  '"$PY" -c "import json,sys; r=json.load(open(\"d1.json\")); sys.exit(not [i for i in r[\"items\"] if i[\"name\"] == \"$victim\" and i[\"class\"] == \"not checked\"])"'
custos-verify -q -r m.json -o full.json ev >/dev/null; rc=$?
check "the full check finds it: exit 1" '[ $rc -eq 1 ]'
custos-verify -q -r m.json --sample 10 --seed 42 --recheck full.json --json ev > d2.json; rc=$?
check "the sample with --recheck of that report re-reads it: exit 1" '[ $rc -eq 1 ]'
check "  changed" "grep -q '\"class\": \"changed\"' d2.json"
custos-verify -q -r m.json -o full.json ev >/dev/null 2>&1; rc=$?
check "an existing report is never overwritten: exit 6" '[ $rc -eq 6 ]'

echo "1..$n"
[ "$failed" -eq 0 ]
