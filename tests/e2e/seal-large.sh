#!/bin/sh
# A payload far larger than the memory custos-seal may use: 512 MiB sealed
# into a tar, verified and extracted, each with its peak resident memory
# measured by GNU time; every run must stay under 64 MiB. The figures are
# printed as TAP comments.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
make_keys
mkdir big
head -c $((64 * 1024 * 1024)) /dev/urandom > big/random.bin
truncate -s $((448 * 1024 * 1024)) big/sparse.img
limit_kb=$((64 * 1024))
measure() { # NAME CMD...: runs CMD under /usr/bin/time, records peak RSS in KiB
  mname=$1; shift
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o rss.txt "$@" > /dev/null 2> run.err; rc=$?
  end=$(date +%s.%N)
  rss=$(tail -n 1 rss.txt)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  echo "# $mname: exit $rc, peak RSS $rss KiB, $secs s"
  if [ "$rc" -eq 0 ] && [ "$rss" -lt "$limit_kb" ]; then pass "$mname in bounded memory ($rss KiB)"
  else fail "$mname in bounded memory" "exit $rc, rss $rss KiB" "$(cat run.err)"; fi
}
measure "create 512 MiB (tar)" custos-seal create -q --yes --key alice.key --passphrase-file alice.pass \
  --sign witness=carol.key --passphrase-file carol.pass --case CASE-1 --evidence E-001 --seal TE-9 --authorisation a \
  -o big.tar big
measure "verify" custos-seal verify -q big.tar
[ -s big.tar ] && echo "# package size $(stat -c %s big.tar) bytes"
measure "extract" custos-seal extract -q big.tar -o out
if cmp -s big/random.bin out/data/big/random.bin && cmp -s big/sparse.img out/data/big/sparse.img; then
  pass "extracted payload is identical"
else fail "extracted payload is identical"; fi
done_tests
