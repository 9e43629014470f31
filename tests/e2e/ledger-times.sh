#!/bin/sh
# Site realities of issue 13: act times typed in Taipei time (+08:00) are
# stored as UTC with the offset kept and shown in local time; an act
# entered after later acts is accepted with its real time, kept in
# recording order and flagged "recorded late" in verify, show and JSON; a
# malformed --time is a usage error naming the option before any passphrase;
# notes (only notes and attests) are taken after close.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
expect() { # NAME WANT-RC COMMAND...: run, keep stdout in out, stderr in err
  name=$1 want=$2; shift 2
  "$@" > out 2> err; got=$?
  if [ "$got" -eq "$want" ]; then pass "$name"; else
    fail "$name (exit $got, want $want)"; sed 's/^/#   /' err | tail -n 3; fi
}

for who in alice:custodian:"Alice Chen" carol:witness:"林佳慧 (Carol Lin)"; do
  k=${who%%:*}; rest=${who#*:}; role=${rest%%:*}; name=${rest#*:}
  echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$name" --role "$role" -o "$k.key" --passphrase-file "$k.pass"
done
A="--sign custodian=alice.key --passphrase-file alice.pass"
W="--sign witness=carol.key --passphrase-file carol.pass"
L="-q --yes -l case.ledger"
custos-ledger open -q -l case.ledger --time 2026-11-20T17:00:00+08:00 --key alice.key \
  --passphrase-file alice.pass --case IR-2026-0090 --level 2 --authorisation "order 9"
custos-ledger add enroll $L --time 2026-11-20T17:05:00+08:00 --sign subject=carol.key \
  --sign approver=alice.key --passphrase-file carol.pass --passphrase-file alice.pass
custos-ledger add collect $L --time 2026-11-20T17:30:00+08:00 $A $W --item E-1 --description phone
custos-ledger add seal $L --time 2026-11-20T18:00:00+08:00 $A $W --item E-1 --seal TE-1 \
  --sha256 "$(printf x | sha256sum | cut -d' ' -f1)"
# Forgotten on site: the store at 17:45 is entered after the seal at 18:00.
expect "an act earlier than the last one is accepted" 0 \
  custos-ledger add store $L --time 2026-11-20T17:45:00+08:00 $A --item E-1 --location "bag 3"

entry() { sed -n "$(($1 + 1))p" case.ledger | cut -f1; }
check "the act time is stored as UTC" 'entry 2 | grep -q "\"time\":\"2026-11-20T09:30:00Z\""'
check "the offset is kept" 'entry 2 | grep -q "\"time_offset\":\"+08:00\""'
check "the recording time is kept" 'entry 2 | grep -q "\"recorded\":\"20[0-9-]*T[0-9:]*Z\""'
check "the late act is the last entry, not re-ordered" \
  'entry 4 | grep -q "\"seq\":4,.*\"time\":\"2026-11-20T09:45:00Z\",\"action\":\"store\""'

expect "verify: a late act is not a finding (exit 0)" 0 custos-ledger verify -l case.ledger
check "verify names the entry recorded late" 'grep -q "^late: *entry 4 recorded late" out'
expect "verify --json" 0 custos-ledger verify --json -l case.ledger
check "verify --json: recorded_late [4]" '[ "$(jq -c .recorded_late out)" = "[4]" ]'

expect "show" 0 custos-ledger show -l case.ledger
check "show: local time with its offset" 'grep -q "2026-11-20T17:30:00+08:00 (recorded .*+08:00)  entry 2 " out'
check "show: the late act flagged" 'grep -q "2026-11-20T17:45:00+08:00 (recorded late, at .*)  entry 4 " out'
check "show: history in recording order" \
  '[ "$(grep -o "entry [0-9] " out | tr -d " " | tr "\n" ,)" = "entry2,entry3,entry4,entry0,entry1," ]'
expect "show --json" 0 custos-ledger show --json -l case.ledger
check "JSON: time, time_local, time_offset" \
  '[ "$(jq -c "[.items[0].events[2] | .time, .time_local, .time_offset]" out)" = "[\"2026-11-20T09:45:00Z\",\"2026-11-20T17:45:00+08:00\",\"+08:00\"]" ]'
check "JSON: recorded_late true only for entry 4" \
  '[ "$(jq -c "[.items[0].events[] | .recorded_late]" out)" = "[false,false,true]" ]'

# A malformed time is a usage error naming --time, before any key or passphrase
# (no passphrase file, stdin closed: a prompt would fail otherwise).
for bad in 2026-11-20T17:45:00 "2026-11-20 17:45:00+08:00" 2026-11-20T17:45:00+8:00 \
  2026-11-20T17:45:00.5Z 2026-02-30T10:00:00Z; do
  expect "malformed --time \"$bad\": exit 2" 2 custos-ledger add note -q --yes -l case.ledger \
    --sign author=carol.key --text x --time "$bad"
  check "the message names --time" 'grep -q -- "--time \"$bad\" is not RFC 3339" err'
done
check "nothing appended" '[ "$(wc -l < case.ledger)" -eq 5 ]'
expect "show-proposal shows the local act time" 0 custos-ledger propose note -q -l case.ledger \
  --party author=carol.key.pub --text y --time 2026-11-20T19:00:00+08:00 -o p1
custos-ledger show-proposal p1 > out 2>&1
check "proposal: local and UTC act time, and the recording time" \
  'grep -q "time: *2026-11-20T19:00:00+08:00 (2026-11-20T11:00:00Z UTC)" out && grep -q "recorded: " out'

# close: afterwards notes and attests, no act on evidence.
custos-ledger add close $L --sign owner=alice.key --passphrase-file alice.pass --reason "handed over"
expect "a note after close is taken" 0 custos-ledger add note $L --sign author=carol.key \
  --passphrase-file carol.pass --text "seal photo added to the file"
expect "a store after close is refused (6)" 6 custos-ledger add store $L $A --item E-1 --location x
check "the refusal says what is allowed" 'grep -q "store after the case was closed (only note and attest" err'
expect "the closed ledger with its note verifies" 0 custos-ledger verify -q -l case.ledger
echo "1..$n"
[ $failed -eq 0 ]
