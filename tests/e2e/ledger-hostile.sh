#!/bin/sh
# Hostile ledgers from issue 19, through the tool: an enrolment that names an
# enrolled key without its public key (freed a key the verifier still held),
# signing/cosigning/appending over a ledger edited after signing (refused
# with 4 before any passphrase is asked), an entry nobody signed, several
# checkpoints (every one checked; two of one size with different roots are a
# fork), and the signers' fingerprints in verify's output. Entries custos
# would not write are forged with openssl following docs/formats/ledger.md.
set -u
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); sed 's/^/#   /' err 2>/dev/null; }
# check NAME WANT-EXIT STDERR-TEXT COMMAND...: exit code and message, never a crash.
check() {
  name=$1 want=$2 msg=$3; shift 3
  "$@" > out 2> err < /dev/null; got=$?
  if [ "$got" -eq "$want" ] && { [ -z "$msg" ] || grep -qF -- "$msg" err; }; then pass "$name"
  else fail "$name (exit $got, want $want)"; fi
}

for who in alice:custodian bob:custodian carol:witness; do
  k=${who%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$k" --role "${who#*:}" -o "$k.key" --passphrase-file "$k.pass"
done
fp() { sed -n 's/^fingerprint: //p' "$1.key.pub"; }
# Act times as the clock reads them: entries forged below follow custos's
# own, whose recording times are the clock's (ledger.md 3.4).
t() { date -u +%Y-%m-%dT%H:%M:%SZ; }
L="-q -l base.ledger"
custos-ledger open $L --time "$(t 00)" --key alice.key --passphrase-file alice.pass \
  --case H-1 --level 4 --authorisation "order 1"
custos-ledger add enroll --yes $L --time "$(t 01)" --sign subject=bob.key --sign approver=alice.key \
  --passphrase-file bob.pass --passphrase-file alice.pass
custos-ledger add enroll --yes $L --time "$(t 02)" --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file carol.pass --passphrase-file alice.pass
custos-ledger add note --yes $L --time "$(t 03)" --sign author=bob.key --passphrase-file bob.pass \
  --text "received, seal intact"
custos-ledger checkpoint $L --key alice.key --passphrase-file alice.pass -o cp
custos-ledger verify -q -l base.ledger --checkpoint cp && pass "the untouched ledger verifies" ||
  fail "the untouched ledger verifies"

# body OUT LEDGER TIME ACTION PARTIES FIELDS: the next entry's body on LEDGER.
body() {
  seq=$(wc -l < "$2")
  prev=$(tail -n 1 "$2" | tr -d '\n' | sha256sum | cut -d' ' -f1)
  printf '{"v":1,"seq":%d,"prev":"%s","time":"%s","action":"%s","parties":[%s]%s}' \
    "$seq" "$prev" "$3" "$4" "$5" "$6" > "$1"
}
# token BODY KEY: the signature token of KEY over BODY.
token() {
  P=application/vnd.custos.ledger-entry.v1+json
  { printf 'DSSEv1 %d %s %d ' "${#P}" "$P" "$(wc -c < "$1")"; cat "$1"; } > msg
  openssl pkeyutl -sign -rawin -inkey "$2.key" -passin "file:$2.pass" -in msg -out sig
  printf '%s:%s' "$(fp "$2")" "$(base64 -w0 < sig)"
}
party() { printf '{"as":"%s","key":"%s","name":"%s"}' "$1" "$(fp "$2")" "$2"; }

# 1. Re-enrolment of bob without role and pub, signed by bob: verify and commit.
body reb base.ledger "$(t 04)" enroll "$(party subject bob),$(party approver alice)" ''
{ cat reb; printf '\t%s\t%s\n' "$(token reb bob)" "$(token reb alice)"; } > line
cp base.ledger reenroll.ledger; cat line >> reenroll.ledger
check "re-enrolment without a public key: verify reports it" 5 \
  "entry 4: subject: role or public key malformed" custos-ledger verify -l reenroll.ledger
{ cat reb; echo; token reb bob; echo; token reb alice; echo; } > reenroll.prop
cp base.ledger commit.ledger
check "re-enrolment without a public key: commit refused" 6 "role or public key malformed" \
  custos-ledger commit reenroll.prop -l commit.ledger
cmp -s base.ledger commit.ledger && pass "nothing appended" || fail "nothing appended"

# 2. The last entry edited after signing: the chain links, its signature does not hold.
sed '4s/seal intact/seal broken/' base.ledger > edited.ledger
cmp -s base.ledger edited.ledger && fail "edit made" || pass "edit made"
check "edited ledger: verify" 4 "entry 3: signature of author bob" \
  custos-ledger verify -l edited.ledger
# No passphrase file and stdin closed: a prompt would fail differently.
check "edited ledger: checkpoint refused before the passphrase" 4 \
  "entry 3: signature of author bob" custos-ledger checkpoint -l edited.ledger --key alice.key -o cp2
[ -e cp2 ] && fail "no checkpoint written" || pass "no checkpoint written"
check "edited ledger: cosign refused before the passphrase" 4 "nothing may be signed" \
  custos-ledger cosign cp -l edited.ledger --key carol.key -o cp3
check "edited ledger: add refused before the passphrase" 4 "does not verify" \
  custos-ledger add note --yes -l edited.ledger --sign author=bob.key --text more
check "edited ledger: propose refused" 4 "does not verify" \
  custos-ledger propose note -l edited.ledger --party author=bob.key.pub --text more -o p.prop
body nb base.ledger "$(t 05)" note "$(party author bob)" ',"text":"more"'
{ cat nb; echo; token nb bob; echo; } > more.prop
check "edited ledger: commit refused" 4 "does not verify" \
  custos-ledger commit more.prop -l edited.ledger
cmp -s edited.ledger base.ledger || [ "$(wc -l < edited.ledger)" -eq 4 ] &&
  pass "edited ledger unchanged" || fail "edited ledger unchanged"

# 3. An entry nobody signed.
{ cat nb; echo; } > unsigned.prop
cp base.ledger us.ledger
check "commit --allow-missing of an unsigned entry refused" 6 "no party signed" \
  custos-ledger commit unsigned.prop -l us.ledger --allow-missing
{ cat nb; echo; } >> us.ledger
check "an unsigned entry does not verify" 4 "entry 4: no party signed" \
  custos-ledger verify -l us.ledger

# 4. Several checkpoints; a fork.
head -n 3 base.ledger > fork.ledger
body fb fork.ledger "$(t 03)" note "$(party author bob)" ',"text":"received, seal broken"'
{ cat fb; printf '\t%s\n' "$(token fb bob)"; } >> fork.ledger
custos-ledger verify -q -l fork.ledger && pass "the other history verifies on its own" ||
  fail "the other history verifies on its own"
custos-ledger checkpoint -q -l fork.ledger --key alice.key --passphrase-file alice.pass -o cpfork
check "a bad checkpoint given first is checked too" 4 "cpfork" \
  custos-ledger verify -l base.ledger --checkpoint cpfork --checkpoint cp
check "two checkpoints of one size, different roots: a fork" 4 "FORK: checkpoints cp and cpfork" \
  custos-ledger verify -l base.ledger --checkpoint cp --checkpoint cpfork
custos-ledger add note -q --yes -l base.ledger --time "$(t 06)" --sign author=bob.key \
  --passphrase-file bob.pass --text later
custos-ledger checkpoint -q -l base.ledger --key alice.key --passphrase-file alice.pass -o cp5
check "two consistent checkpoints verify" 0 "" \
  custos-ledger verify -l base.ledger --checkpoint cp --checkpoint cp5
grep -q "^checkpoint: cp, 4 entries, signed by alice (custodian, key $(fp alice))" out &&
  grep -q "^checkpoint: cp5, 5 entries, signed by" out && pass "both checkpoints listed" ||
  { fail "both checkpoints listed"; sed 's/^/#   /' out; }

# 5. The signers' fingerprints.
grep -q "alice (custodian), key $(fp alice): 3 signatures" out &&
  grep -q "bob (custodian), key $(fp bob): 3 signatures" out &&
  grep -q "carol (witness), key $(fp carol): 1 signature$" out &&
  pass "verify prints each signer's fingerprint" ||
  { fail "verify prints each signer's fingerprint"; sed 's/^/#   /' out; }
custos-ledger verify -l base.ledger --json > j.json 2> err
[ "$(jq -r '.signers[0].key' j.json)" = "$(fp alice)" ] && pass "--json lists the signers" ||
  fail "--json lists the signers"
# 6. prove: a tlog-proof; without --checkpoint the checkpoint text is there, unsigned.
custos-ledger verify -l base.ledger > out 2> err
custos-ledger prove 2 -l base.ledger > proof 2> err
root=$(sed -n 's/^root: *//p' out)
[ "$(tail -n 3 proof | head -n 1)" = "$(sed -n 's/^ledger: .*(\(.*\))$/\1/p' out)" ] &&
  [ "$(tail -n 2 proof | head -n 1)" = 5 ] && [ "$(tail -n 1 proof)" = "$root" ] &&
  [ "$(head -n 2 proof | tail -n 1)" = "index 2" ] && [ "$(tail -n 4 proof | head -n 1)" = "" ] &&
  ! grep -q "$(printf '\342\200\224')" proof &&
  pass "prove without --checkpoint ends with the unsigned size and root" ||
  { fail "prove without --checkpoint"; sed 's/^/#   /' proof; }
custos-ledger prove 2 -l base.ledger --checkpoint cp5 > proof2 2> err
{ sed '/^$/,$d' proof; echo; cat cp5; } | cmp -s - proof2 &&
  pass "prove --checkpoint: proof, blank line, the signed checkpoint" ||
  fail "prove --checkpoint: proof, blank line, the signed checkpoint"

# 7. ledger.md 3.2: controls other than \b \t \n \f \r are \u00XX in upper case.
custos-ledger add note -q --yes -l base.ledger --time "$(t 07)" --sign author=bob.key \
  --passphrase-file bob.pass --text "$(printf 'a\013b\037c\177d/e')"
tail -n 1 base.ledger | cut -f1 | grep -qF '"text":"a\u000Bb\u001Fc'"$(printf '\177')"'d/e"' &&
  pass "control characters escaped as documented" ||
  { fail "control characters escaped as documented"; tail -n 1 base.ledger | cut -f1 | sed 's/^/#   /'; }

# 8. The legal team's checkpoint step, exactly as docs/guides/legal-team.md writes it,
#    with every enrolled key (some of which did not sign).
guide=$(dirname "$0")/../../docs/guides/legal-team.md
cmd=$(tr '\n' ' ' < "$guide" | tr -s ' ' |
  grep -o '`sh kit/verify-checkpoint.sh YOUR-CHECKPOINT kit/case.ledger kit/keys/\*.pem`' | tr -d '`')
[ -n "$cmd" ] && pass "the guide's verify-checkpoint.sh step found" ||
  fail "the guide's verify-checkpoint.sh step found"
custos-ledger export -q -l base.ledger --checkpoint cp5 -o exp 2> err ||
  fail "export for the legal team"
(cd exp && sh -c "$(echo "$cmd" | sed 's|YOUR-CHECKPOINT|../cp5|')") > out 2> err; got=$?
[ "$got" -eq 0 ] && grep -q "did not sign (not counted)" out && grep -q "signature by .*: OK" out &&
  pass "the guide's step passes on a valid checkpoint" ||
  { fail "the guide's step passes on a valid checkpoint (exit $got)"; sed 's/^/#   /' out; }
(cd exp && sh -c "$(echo "$cmd" | sed 's|YOUR-CHECKPOINT|../cpfork|')") > out 2> err; got=$?
[ "$got" -eq 1 ] && grep -q "ROOT MISMATCH" out &&
  pass "the guide's step fails on a checkpoint of another history" ||
  { fail "the guide's step fails on a checkpoint of another history (exit $got)"; sed 's/^/#   /' out; }
sed 's/^5$/4/' cp5 > cp-edited
(cd exp && sh -c "$(echo "$cmd" | sed 's|YOUR-CHECKPOINT|../cp-edited|')") > out 2> err; got=$?
[ "$got" -eq 1 ] && grep -q "BAD" out && pass "the guide's step fails on an edited checkpoint" ||
  { fail "the guide's step fails on an edited checkpoint (exit $got)"; sed 's/^/#   /' out; }

echo "1..$n"
[ $failed -eq 0 ]
