#!/bin/sh
# docs/formats/transparency.md section 5, run as written on the log written by
# Trillian Tessera (tests/data/tlog-tessera) and on a copy with one changed
# byte: the independent checks must agree with the reader, and fail on the copy.
set -u
src=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
# The fenced sh blocks of section 5, in order.
awk '/^## 5\./{s=1} /^## 6\./{s=0} s && /^```sh$/{b++; f=1; next} s && /^```$/{f=0; next}
     f{print > (dir "/block" b ".sh")}' dir="$work" "$src/docs/formats/transparency.md"
[ -f "$work/block1.sh" ] && [ -f "$work/block2.sh" ] && pass "section 5 has its two blocks" ||
  fail "section 5 has its two blocks"
cp -r "$src/tests/data/tlog-tessera" "$work/log"
cd "$work/log" || exit 1
export b=tile/entries/000.p/15 t=tile/0/000.p/15
export vkey=example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx
out=$(sh -e "$work/block1.sh")
[ "$(echo "$out" | sed -n 1p)" = "$(echo "$out" | sed -n 2p)" ] && [ -n "$out" ] &&
  pass "entry 0's leaf hash is the tile's first hash (sha256sum, od)" ||
  fail "entry 0's leaf hash is the tile's first hash: $out"
out=$(sh -e "$work/block2.sh" 2>&1)
[ "$out" = "Signature Verified Successfully" ] && pass "openssl verifies Tessera's checkpoint" ||
  fail "openssl verifies Tessera's checkpoint: $out"
sed -i '2s/15/16/' checkpoint
sh -e "$work/block2.sh" > /dev/null 2>&1 && fail "openssl refuses an edited checkpoint" ||
  pass "openssl refuses an edited checkpoint"
echo "1..$n"
[ $failed -eq 0 ]
