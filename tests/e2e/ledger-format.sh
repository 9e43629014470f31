#!/bin/sh
# docs/formats/ledger.md, checked without custos: the three scripts of its
# section 7 are extracted from the document and run, with only sh, coreutils
# and openssl, on the test vector in tests/data/ledger/ and on a fresh ledger
# made by custos-ledger, intact and tampered. custos-ledger verify must agree.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
root=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
expect() { # NAME WANT-RC COMMAND...
  name=$1 want=$2; shift 2
  "$@" > "$work/out" 2>&1; got=$?
  if [ "$got" -eq "$want" ]; then pass "$name"; else fail "$name (exit $got, want $want)"; sed 's/^/#   /' "$work/out" | tail -n 5; fi
}

# Extract "```sh" blocks whose second line is "# NAME ..." into $work/kit/NAME.
mkdir "$work/kit"
for s in verify-ledger.sh merkle-root.sh verify-checkpoint.sh; do
  awk -v name="$s" '
    /^```sh$/ { inblk = 1; buf = ""; lines = 0; next }
    /^```$/ && inblk { if (keep) printf "%s", buf; inblk = 0; keep = 0; next }
    inblk { lines++; buf = buf $0 "\n"; if (lines == 2 && index($0, "# " name " ") == 1) keep = 1 }
  ' "$root/docs/formats/ledger.md" > "$work/kit/$s"
  [ -s "$work/kit/$s" ] && pass "extracted $s from ledger.md" || fail "extract $s"
done
K=$work/kit

# 1. The test vector, with the values the document prints.
V=$root/tests/data/ledger
expect "vector: verify-ledger.sh passes" 0 sh "$K/verify-ledger.sh" "$V/case.ledger"
grep -q "^entries: 16  head: af603ab4f01d510493cf9b87ee142e1261ad2b3777a1cec5f17a1524c664fb29$" "$work/out" &&
  pass "vector: head as documented" || fail "vector: head as documented"
[ "$(sh "$K/merkle-root.sh" "$V/case.ledger")" = "PFzl8DYdH5O0pxiyAb8LEPDU/gdw8rys4zam9/x0W4A=" ] &&
  pass "vector: Merkle root as documented" || fail "vector: Merkle root as documented"
expect "vector: checkpoint and cosignature verify" 0 sh "$K/verify-checkpoint.sh" \
  "$V/checkpoint-8.cosigned.note" "$V/case.ledger" "$V/alice.key.pub" "$V/carol.key.pub"
expect "vector: final checkpoint verifies" 0 sh "$K/verify-checkpoint.sh" \
  "$V/checkpoint-final.cosigned.note" "$V/case.ledger" "$V/alice.key.pub" "$V/carol.key.pub"
expect "vector: custos-ledger verify agrees" 0 custos-ledger verify -q -l "$V/case.ledger" \
  --checkpoint "$V/checkpoint-8.cosigned.note"
custos-ledger verify -l "$V/case.ledger" > "$work/cv" 2>&1
grep -q "head: *af603ab4f01d510493cf9b87ee142e1261ad2b3777a1cec5f17a1524c664fb29" "$work/cv" &&
  grep -q "root: *PFzl8DYdH5O0pxiyAb8LEPDU/gdw8rys4zam9/x0W4A=" "$work/cv" &&
  pass "vector: custos head and root equal the shell's" || fail "vector: custos head and root"

# 2. Tampered copies of the vector: the shell kit and custos both refuse.
cp "$V/case.ledger" "$work/flip.ledger"
sed -i '6s/"E-001"/"E-002"/' "$work/flip.ledger"
expect "flipped field: verify-ledger.sh fails" 1 sh "$K/verify-ledger.sh" "$work/flip.ledger"
expect "flipped field: custos-ledger verify exits 4" 4 custos-ledger verify -q -l "$work/flip.ledger"
head -n 7 "$V/case.ledger" > "$work/cut.ledger"
expect "truncated: the hash chain alone still passes" 0 sh "$K/verify-ledger.sh" "$work/cut.ledger"
expect "truncated: verify-checkpoint.sh fails" 1 sh "$K/verify-checkpoint.sh" \
  "$V/checkpoint-8.cosigned.note" "$work/cut.ledger" "$V/alice.key.pub"
expect "truncated: custos-ledger verify --checkpoint exits 4" 4 custos-ledger verify -q \
  -l "$work/cut.ledger" --checkpoint "$V/checkpoint-8.cosigned.note"
sed 's/^8$/9/' "$V/checkpoint-8.cosigned.note" > "$work/cp-edited"
expect "edited checkpoint: signature fails" 1 sh "$K/verify-checkpoint.sh" \
  "$work/cp-edited" "$V/case.ledger" "$V/alice.key.pub"

# 3. A fresh ledger made now, so the kit follows the code, not only the vector.
cd "$work" || exit 1
for who in alice:custodian bob:custodian carol:witness; do
  k=${who%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$k" --role "${who#*:}" -o "$k.key" --passphrase-file "$k.pass"
done
L="-q -l fresh.ledger"
custos-ledger open $L --key alice.key --passphrase-file alice.pass --case C-1 --level 2 \
  --authorisation "warrant 12"
custos-ledger add --yes enroll $L --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file carol.pass --passphrase-file alice.pass
custos-ledger add --yes enroll $L --sign subject=bob.key --sign approver=alice.key \
  --passphrase-file bob.pass --passphrase-file alice.pass
custos-ledger add --yes collect $L --sign custodian=alice.key --sign witness=carol.key \
  --passphrase-file alice.pass --passphrase-file carol.pass --item E-1 --description 'USB stick "blue"\path'
custos-ledger checkpoint $L --key alice.key --passphrase-file alice.pass -o cp
custos-ledger add --yes transfer $L --sign releaser=alice.key --sign receiver=bob.key \
  --passphrase-file alice.pass --passphrase-file bob.pass --item E-1 --reason lab
expect "fresh: verify-ledger.sh passes" 0 sh "$K/verify-ledger.sh" fresh.ledger
expect "fresh: checkpoint verifies on the grown ledger" 0 sh "$K/verify-checkpoint.sh" cp \
  fresh.ledger alice.key.pub
custos-ledger verify -l fresh.ledger > cv 2>&1
[ "$(sed -n 's/^root: *//p' cv)" = "$(sh "$K/merkle-root.sh" fresh.ledger)" ] &&
  pass "fresh: custos and shell Merkle roots agree" || fail "fresh: Merkle roots differ"
[ "$(sed -n 's/^head: *//p' cv)" = "$(tail -n 1 fresh.ledger | tr -d '\n' | sha256sum | cut -d' ' -f1)" ] &&
  pass "fresh: head is sha256sum of the last line" || fail "fresh: head"
# A replaced signature: the witness's signature of entry 3 replaced by the custodian's.
awk -F'\t' 'NR == 4 { OFS = "\t"; split($2, a, ":"); $3 = substr($3, 1, 65) a[2] } { print }' \
  fresh.ledger > swapsig.ledger
expect "replaced signature: verify-ledger.sh fails" 1 sh "$K/verify-ledger.sh" swapsig.ledger
echo "1..$n"
[ $failed -eq 0 ]
