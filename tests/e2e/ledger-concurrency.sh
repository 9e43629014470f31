#!/bin/sh
# Many custos-ledger processes append to one ledger at the same time: every
# entry must land exactly once, in a chain that verifies.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
procs=8 each=4
echo "passphrase of alice" > alice.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file alice.pass
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file alice.pass --case C \
  --level 1 --authorisation x
p=0
while [ $p -lt $procs ]; do
  (
    i=0
    while [ $i -lt $each ]; do
      custos-ledger add --yes note -q -l c.ledger --sign author=alice.key --passphrase-file alice.pass \
        --text "process $p note $i" || exit 1
      i=$((i + 1))
    done
  ) 2> "err.$p" &
  p=$((p + 1))
done
fails=0
for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
wait
n=0; failed=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi; }
check "every appending process succeeded" '[ $fails -eq 0 ] && ! grep -q . err.*'
check "all $((procs * each + 1)) entries landed" "[ \$(wc -l < c.ledger) -eq $((procs * each + 1)) ]"
check "each note exactly once" "[ \$(grep -o '\"text\":\"process [0-9]* note [0-9]*\"' c.ledger | sort -u | wc -l) -eq $((procs * each)) ]"
check "the chain verifies" 'custos-ledger verify -q -l c.ledger'
echo "1..$n"
[ $failed -eq 0 ]
