#!/bin/sh
# Tampering with a ledger, one row per way to break it: custos-ledger verify
# must exit with the row's code and name the entry. Entries that custos would
# refuse to write (an unenrolled signer, a role the policy forbids, a transfer
# by a non-holder, a clock going backwards) are forged here with openssl,
# validly signed, following docs/formats/ledger.md.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }

for who in alice:custodian bob:custodian carol:witness mallory:custodian; do
  k=${who%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$k" --role "${who#*:}" -o "$k.key" --passphrase-file "$k.pass"
done
fp() { sed -n 's/^fingerprint: //p' "$1.key.pub"; }
t() { printf '2026-11-20T10:%s:00Z' "$1"; }
L="-q -l base.ledger"
custos-ledger open $L --time "$(t 00)" --key alice.key --passphrase-file alice.pass \
  --case T-1 --level 4 --authorisation "order 1"
custos-ledger add --yes enroll $L --time "$(t 01)" --sign subject=bob.key --sign approver=alice.key \
  --passphrase-file bob.pass --passphrase-file alice.pass
custos-ledger add --yes enroll $L --time "$(t 02)" --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file carol.pass --passphrase-file alice.pass
custos-ledger add --yes collect $L --time "$(t 03)" --sign custodian=alice.key --sign witness=carol.key \
  --passphrase-file alice.pass --passphrase-file carol.pass --item E-1 --description "phone"
custos-ledger add --yes transfer $L --time "$(t 04)" --sign releaser=alice.key --sign receiver=bob.key \
  --passphrase-file alice.pass --passphrase-file bob.pass --item E-1 --reason "to the lab"
custos-ledger add --yes note $L --time "$(t 05)" --sign author=bob.key --passphrase-file bob.pass \
  --text "received, seal intact"
custos-ledger checkpoint $L --key alice.key --passphrase-file alice.pass -o cp
custos-ledger verify -q -l base.ledger --checkpoint cp && pass "the untouched ledger verifies" ||
  fail "the untouched ledger verifies"

# forge OUT TIME ACTION PARTIES FIELDS SIGNER...: append a validly signed entry.
forge() {
  out=$1 tm=$2 action=$3 parties=$4 fields=$5; shift 5
  cp base.ledger "$out"
  seq=$(wc -l < "$out")
  prev=$(tail -n 1 "$out" | tr -d '\n' | sha256sum | cut -d' ' -f1)
  printf '{"v":1,"seq":%d,"prev":"%s","time":"%s","action":"%s","parties":[%s],%s}' \
    "$seq" "$prev" "$tm" "$action" "$parties" "$fields" > body
  P=application/vnd.custos.ledger-entry.v1+json
  { printf 'DSSEv1 %d %s %d ' "${#P}" "$P" "$(wc -c < body)"; cat body; } > msg
  cat body > line
  for k in "$@"; do
    openssl pkeyutl -sign -rawin -inkey "$k.key" -passin "file:$k.pass" -in msg -out sig
    printf '\t%s:%s' "$(fp "$k")" "$(base64 -w0 < sig)" >> line
  done
  printf '\n' >> line
  cat line >> "$out"
}
party() { printf '{"as":"%s","key":"%s","name":"%s"}' "$1" "$(fp "$2")" "$2"; }

# The base entries were recorded now (their acts are in the past): a new
# entry's recording time may not precede that.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# A forged entry that custos itself accepts proves the forging is right.
forge ok.ledger "$now" note "$(party author bob)" '"text":"forged but fine"' bob
custos-ledger verify -q -l ok.ledger && pass "a correctly forged entry verifies" ||
  fail "a correctly forged entry verifies"

forge unenrolled.ledger "$now" note "$(party author mallory)" '"text":"hi"' mallory
forge role.ledger "$now" store "$(party custodian carol)" '"item":"E-1","location":"x"' carol
forge holder.ledger "$now" transfer "$(party releaser alice),$(party receiver bob)" \
  '"item":"E-1","reason":"again"' alice bob
forge clock.ledger "2026-11-20T09:00:00Z" note "$(party author bob)" '"text":"early"' bob
# An act earlier than the acts before it, recorded now: accepted, flagged late.
forge late.ledger "$(t 02)" note "$(party author bob)" "\"time_offset\":\"+08:00\",\"recorded\":\"$now\",\"text\":\"late\"" bob
forge rec-back.ledger "$(t 06)" note "$(party author bob)" '"recorded":"2026-11-20T10:07:00Z","text":"x"' bob
forge rec-early.ledger "$now" note "$(party author bob)" "\"recorded\":\"$(t 06)\",\"text\":\"x\"" bob
forge offset-zero.ledger "$(t 02)" note "$(party author bob)" "\"time_offset\":\"+00:00\",\"recorded\":\"$now\",\"text\":\"x\"" bob
forge unlisted.ledger "$now" note "$(party author bob)" '"text":"x"' bob mallory

cp base.ledger flip-body.ledger;  sed -i '4s/"phone"/"phonf"/' flip-body.ledger
awk 'NR == 5 { i = index($0, "\"prev\":\"") + 8; c = substr($0, i, 1); r = (c == "0") ? "1" : "0"; $0 = substr($0, 1, i - 1) r substr($0, i + 1) } { print }' base.ledger > flip-prev.ledger
cp base.ledger flip-sig.ledger
awk -F'\t' 'NR == 3 { OFS = "\t"; c = substr($2, 100, 1); r = (c == "A") ? "B" : "A"; $2 = substr($2, 1, 99) r substr($2, 101) } { print }' base.ledger > flip-sig.ledger
cp base.ledger flip-time.ledger;  sed -i '4s/"time":"2026-11-20T10:03:00Z"/"time":"2026-11-20T10:03:01Z"/' flip-time.ledger
sed '3d' base.ledger > deleted.ledger
sed -n '1,3p' base.ledger > swapped.ledger; sed -n '5p' base.ledger >> swapped.ledger
sed -n '4p' base.ledger >> swapped.ledger; sed -n '6p' base.ledger >> swapped.ledger
head -n 4 base.ledger > truncated.ledger
awk -F'\t' 'NR == 4 { OFS = "\t"; split($2, a, ":"); $3 = substr($3, 1, 65) a[2] } { print }' \
  base.ledger > replaced-sig.ledger
cp base.ledger torn.ledger; printf '{"v":1,"seq":6,"prev":"' >> torn.ledger
cp base.ledger spaced.ledger; sed -i '6s/^{"v":1,/{"v": 1,/' spaced.ledger
cp base.ledger dupkey.ledger; sed -i '6s/"text":"received, seal intact"/"text":"a","text":"b"/' dupkey.ledger

# name | ledger | extra args | exit | stderr must contain
rows='flipped byte in a body|flip-body.ledger||4|entry 3: signature of
flipped byte in prev|flip-prev.ledger||4|entry 4: hash link broken
flipped byte in a signature|flip-sig.ledger||4|entry 2: signature of subject
flipped byte in a time|flip-time.ledger||4|entry 3: signature of custodian
deleted entry|deleted.ledger||4|entry 2: seq is 3, expected 2
swapped entries|swapped.ledger||4|entry 3: seq is 4, expected 3
truncated tail against a checkpoint|truncated.ledger|--checkpoint cp|4|fewer than the 6
replaced signature|replaced-sig.ledger||4|entry 3: signature of witness carol
signature by an unenrolled key|unenrolled.ledger||4|entry 6: author mallory
role that may not sign the action|role.ledger||4|entry 6: carol is enrolled as witness, which may not act as custodian in store
transfer by a non-holder|holder.ledger||4|entry 6: alice does not hold item E-1 (bob holds it)
clock going backwards|clock.ledger||4|entry 6: time 2026-11-20T09:00:00Z is before the previous entry
recording time going backwards|rec-back.ledger||4|entry 6: recorded 2026-11-20T10:07:00Z is before the previous entry
recorded before the act|rec-early.ledger||4|entry 6: recorded 2026-11-20T10:06:00Z is not after the act time
offset +00:00 (UTC is written Z)|offset-zero.ledger||5|entry 6: time_offset must be
signature by a key the entry does not list|unlisted.ledger||4|entry 6: signature by key
torn last line|torn.ledger||5|entry 6: torn last line
non-canonical spacing|spaced.ledger||5|entry 5: body is not in the compact form
duplicate JSON member|dupkey.ledger||5|entry 5: body is not a JSON object'
echo "$rows" | while IFS='|' read -r name file args want msg; do
  # shellcheck disable=SC2086
  custos-ledger verify -q -l "$file" $args 2> err; got=$?
  if [ "$got" -eq "$want" ] && grep -qF -- "$msg" err; then
    echo "ok - $name"
  else
    echo "not ok - $name (exit $got, want $want)"; sed 's/^/#   /' err
  fi
done > rows.out
cat rows.out
rn=$(wc -l < rows.out); rf=$(grep -c '^not ok' rows.out)
n=$((n + rn)); failed=$((failed + rf))
# A late act verifies (exit 0), in recording order, and verify names it.
out=$(custos-ledger verify -l late.ledger 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "entry 6 recorded late" &&
  pass "an act recorded late verifies and is named (0)" || fail "late act: exit $rc: $out"
custos-ledger verify -l late.ledger --json | grep -A2 '"recorded_late"' | grep -q '^ *6$' &&
  pass "verify --json lists recorded_late" || fail "verify --json lists recorded_late"
# The intact prefix of a torn ledger still verifies once the torn line is cut off.
head -c "$(wc -c < base.ledger)" torn.ledger > cut.ledger
custos-ledger verify -q -l cut.ledger && pass "the prefix before a torn line verifies" ||
  fail "the prefix before a torn line verifies"
# And custos refuses to append to a torn ledger.
custos-ledger add --yes note -q -l torn.ledger --sign author=bob.key --passphrase-file bob.pass \
  --text more 2> err; rc=$?
[ $rc -eq 5 ] && grep -q "torn last line at byte" err && pass "append to a torn ledger refused (5)" ||
  fail "append to a torn ledger: exit $rc"
echo "1..$n"
[ $failed -eq 0 ]
