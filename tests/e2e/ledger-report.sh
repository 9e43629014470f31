#!/bin/sh
# custos-ledger show, status and export on a realistic case made here with
# fresh keys: two items (one imaged, sealed, handed over, stored, examined,
# handed to a vendor and destroyed; one handed over with the witness signing
# late), an old case whose deadlines have passed and a fresh one whose have
# not. The export is checked with tools that are not custos: jq, python3's
# json, sha256sum, and the export's own sh+openssl kit, which must pass on
# the exported ledger and fail on tampered copies.
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

for who in alice:custodian:"Alice Chen" bob:custodian:"Bob Wu" carol:witness:"林佳慧 (Carol Lin)" \
  vera:vendor:"Vera Shred Ltd."; do
  k=${who%%:*}; rest=${who#*:}; role=${rest%%:*}; name=${rest#*:}
  echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "$name" --role "$role" -o "$k.key" --passphrase-file "$k.pass"
done
fp() { sed -n 's/^fingerprint: //p' "$1.key.pub"; }
t() { printf '2026-11-10T%s:00Z' "$1"; }
L="-q -l case.ledger"
s2() { # AS1=K1 AS2=K2 [AS3=K3]: --sign options with one passphrase file each
  for a in "$@"; do printf -- '--sign %s.key --passphrase-file %s.pass ' "$a" "${a#*=}"; done
}
# shellcheck disable=SC2046
{
custos-ledger open $L --time "$(t 08:00)" --key alice.key --passphrase-file alice.pass \
  --case IR-2026-0077 --level 3 --authorisation "warrant 2026-W-311" --place "Kaohsiung branch"
custos-ledger add --yes enroll $L --time "$(t 08:01)" $(s2 subject=bob approver=alice) --organisation "Forensic Lab"
custos-ledger add --yes enroll $L --time "$(t 08:02)" $(s2 subject=carol approver=alice)
custos-ledger add --yes enroll $L --time "$(t 08:03)" $(s2 subject=vera approver=alice) --phone "+886 2 5555 0100"
custos-ledger add --yes collect $L --time "$(t 09:00)" $(s2 custodian=alice witness=carol) --item E-1 \
  --description "smartphone of the branch manager" --make Samsung --model "Galaxy S23" \
  --serial R5CW1234XYZ --location "office 3F-12"
custos-ledger add --yes collect $L --time "$(t 09:10)" $(s2 custodian=alice) --item E-2 \
  --description "USB stick found in the server room" --location "rack B4"
custos-ledger add --yes acquire $L --time "$(t 10:00)" $(s2 custodian=alice witness=carol) --item E-1 \
  --record E-1.acquire.json --record-sha256 "$(printf 'record' | sha256sum | cut -d' ' -f1)" \
  --image-sha256 "$(printf 'image' | sha256sum | cut -d' ' -f1)" --size 4096 --tool "custos-acquire 0.1.0"
custos-ledger add --yes seal $L --time "$(t 10:30)" $(s2 custodian=alice witness=carol) --item E-1 \
  --seal TE-004411 --sha256 "$(printf 'bag' | sha256sum | cut -d' ' -f1)"
custos-ledger add --yes transfer $L --time "$(t 11:00)" $(s2 releaser=alice receiver=bob witness=carol) \
  --item E-1 --reason "transport to the forensic lab" --seal-checked "TE-004411 intact"
custos-ledger add --yes store $L --time "$(t 13:00)" $(s2 custodian=bob) --item E-1 --location "lab locker 12"
custos-ledger add --yes access $L --time "$(t 14:00)" $(s2 custodian=bob) --item E-1 --direction out \
  --purpose "examination"
custos-ledger add --yes access $L --time "$(t 15:00)" $(s2 custodian=bob) --item E-1 --direction in \
  --purpose "examination finished"
custos-ledger add --yes transfer $L --time "$(t 16:00)" $(s2 releaser=bob receiver=vera) --item E-1 \
  --reason "destruction after the retention period"
custos-ledger add --yes dispose $L --time "$(t 16:30)" $(s2 vendor=vera custodian=bob witness=carol) \
  --item E-1 --method "shredded to 2 mm" --certificate VS-2026-0099
custos-ledger propose transfer $L --time "$(t 17:00)" --party releaser=alice.key.pub \
  --party receiver=bob.key.pub --party witness=carol.key.pub --item E-2 \
  --reason "analysis at the lab" -o e2.prop
custos-ledger sign --yes -q e2.prop --key alice.key --passphrase-file alice.pass
custos-ledger sign --yes -q e2.prop --key bob.key --passphrase-file bob.pass
custos-ledger commit -q e2.prop -l case.ledger --allow-missing
}
check "the case ledger was built (15 entries)" '[ "$(wc -l < case.ledger)" -eq 15 ]'

# 1. show
expect "show exits 3 while a signature is owed" 3 custos-ledger show -l case.ledger
check "show warns about the owed signature" 'grep -q "1 signature is still owed" err'
check "show: the item with make, model and serial" 'grep -q "device:   Samsung Galaxy S23, serial R5CW1234XYZ" out'
check "show: E-1 destroyed" 'grep -q "now:      DISPOSED OF at entry 13" out'
check "show: E-2 held by Bob after the transfer" \
  'grep -q "now:      held by Bob Wu (custodian, $(fp bob | cut -c1-16))" out'
check "show: the transfer in plain language" \
  'grep -q "released by Alice Chen (custodian, $(fp alice | cut -c1-16)) to Bob Wu (custodian, $(fp bob | cut -c1-16)) for: transport to the forensic lab, witnessed by 林佳慧 (Carol Lin); seal check: TE-004411 intact" out'
check "show: the seal" 'grep -q "under seal TE-004411" out'
check "show: the acquisition hashes" "grep -q \"image SHA-256 $(printf image | sha256sum | cut -d' ' -f1)\" out"
check "show: check-out and check-in" 'grep -q "checked out by Bob Wu" out && grep -q "checked in by Bob Wu" out'
check "show: the owed signature" 'grep -q "entry 14 (transfer): witness 林佳慧 (Carol Lin)" out'
expect "show --item E-2 --json" 3 custos-ledger show -l case.ledger --item E-2 --json
check "JSON: one item" '[ "$(jq ".items | length" out)" = 1 ]'
check "JSON: holder after the transfer is Bob" '[ "$(jq -r ".items[0].holder.name" out)" = "Bob Wu" ]'
check "JSON: holder key" '[ "$(jq -r ".items[0].holder.key" out)" = "$(fp bob)" ]'
check "JSON: transfer holder_before is Alice" \
  '[ "$(jq -r ".items[0].events[1].holder_before.name" out)" = "Alice Chen" ]'
check "JSON: the witness signature is owed" \
  '[ "$(jq -r ".items[0].events[1].parties[2].signature" out)" = owed ]'
check "JSON: entry hash is the line's SHA-256" \
  '[ "$(jq -r ".items[0].events[1].sha256" out)" = "$(sed -n 15p case.ledger | tr -d "\n" | sha256sum | cut -d" " -f1)" ]'
check "JSON: pending signatures" '[ "$(jq -r ".pending_signatures[0].entry" out)" = 14 ]'
expect "show --item of an unknown item exits 2" 2 custos-ledger show -l case.ledger --item E-9
check "one line on stderr names the item" '[ "$(wc -l < err)" -eq 1 ] && grep -q "no item E-9" err'
expect "show refuses other entry fields" 2 custos-ledger show -l case.ledger --reason x

# 2. status: the old case is overdue, a fresh one is not.
now=$(date -u +%s)
custos-ledger open -q -l fresh.ledger --time "$(date -u -d "@$((now - 600))" +%Y-%m-%dT%H:%M:%SZ)" \
  --key alice.key --passphrase-file alice.pass --case IR-2026-0078 --level 1 --authorisation "order 12"
expect "status exits 1: a deadline of an open case passed (before 3, a signature owed)" 1 \
  custos-ledger status case.ledger fresh.ledger
check "status: the old case is OVERDUE" 'grep -A1 "case IR-2026-0077" out | grep -q "OVERDUE by"'
check "status: one unit style, hours and minutes, however long" \
  'grep -A1 "case IR-2026-0077" out | grep -Eq "OVERDUE by [0-9]+ h [0-9]+ min$" && ! grep -q " d " out'
check "status: recovery 36 h for level 3" 'grep -q "recovery due:  2026-11-11T20:00:00Z  OVERDUE by .* (36 h for level 3)" out'
check "status: the fresh case is due in about 50 min" 'grep -q "report due: .*due in 0 h [45][0-9] min" out'
check "status: the fresh case recovery 72 h for level 1" 'grep -q "(72 h for level 1)" out'
check "status: who holds E-2" 'grep -q "item E-2 .*held by Bob Wu" out'
check "status: E-1 disposed" 'grep -q "item E-1 .*disposed of at entry 13" out'
check "status: the owed signature" 'grep -q "awaiting: .*entry 14 (transfer): signature of witness" out'
check "status warns on stderr about passed deadlines" 'grep -q "case IR-2026-0077: 2 deadlines passed" err'
expect "status --json" 1 custos-ledger status --json -l case.ledger fresh.ledger
check "JSON: two cases" '[ "$(jq ".cases | length" out)" = 2 ]'
check "JSON: overdue 2 and 0" '[ "$(jq -c "[.cases[].overdue]" out)" = "[2,0]" ]'
check "JSON: report states" '[ "$(jq -c "[.cases[].report.state]" out)" = "[\"overdue\",\"pending\"]" ]'
check "JSON: deadlines from the open entry" \
  '[ "$(jq -r ".cases[0].report.due, .cases[0].recovery.due" out | tr "\n" " ")" = "2026-11-10T09:00:00Z 2026-11-11T20:00:00Z " ]'
expect "status --time before the report deadline" 3 custos-ledger status --json -l case.ledger \
  --time 2026-11-10T08:30:00Z
check "JSON: nothing overdue then" '[ "$(jq -c "[.cases[0].overdue, .cases[0].report.state]" out)" = "[0,\"pending\"]" ]'
expect "status --time between the deadlines: overdue, exit 1" 1 custos-ledger status -l case.ledger \
  --time 2026-11-10T20:00:00+08:00
check "report overdue, recovery not" 'grep -q "report due: .*OVERDUE by 3 h 0 min" out && grep -q "recovery due: .*due in 32 h 0 min" out'
expect "status with a bad --time exits 2" 2 custos-ledger status -l case.ledger --time yesterday
expect "status without a ledger exits 2" 2 custos-ledger status

# 3. export while the signature is owed, then after the attest.
expect "export exits 3 while a signature is owed" 3 custos-ledger export -l case.ledger -o exp1
check "the export directory exists" '[ -d exp1 ] && [ -d exp1/kit ]'
check "the report marks the owed signature" 'grep -q "\[signature owed\]" exp1/custody-report.txt'
h=$(sed -n 15p case.ledger | tr -d '\n' | sha256sum | cut -d' ' -f1)
custos-ledger add --yes attest -q -l case.ledger --time "$(t 18:00)" --sign attester=carol.key \
  --passphrase-file carol.pass --target 14 --target-sha256 "$h"
custos-ledger checkpoint -q -l case.ledger --key alice.key --passphrase-file alice.pass -o cp.note
custos-ledger cosign -q cp.note -l case.ledger --key carol.key --passphrase-file carol.pass -o cp2.note
expect "show exits 0 once the witness attested" 0 custos-ledger show -l case.ledger --item E-2
check "show: signed late" 'grep -q "林佳慧 (Carol Lin) signed late, entry 15" out'
expect "export with the cosigned checkpoint" 0 custos-ledger export -l case.ledger \
  --checkpoint cp2.note -o exp
check "export prints the directory and head" 'grep -q "^exp: custody report" out'
for f in README.txt SHA256SUMS custody-report.txt custody-report.html case.jsonld kit/README.txt \
  kit/ledger.md kit/key.md kit/verify-ledger.sh kit/merkle-root.sh kit/verify-checkpoint.sh \
  kit/verify-all.sh kit/case.ledger kit/checkpoint.note kit/fingerprints.txt kit/HEAD \
  "kit/keys/$(fp alice | cut -c1-16).pem" "kit/keys/$(fp vera | cut -c1-16).pem"; do
  check "export holds $f" "[ -s 'exp/$f' ]"
done
check "SHA256SUMS verifies with sha256sum" '(cd exp && sha256sum -c --quiet SHA256SUMS)'
check "kit ledger is the ledger" 'cmp -s exp/kit/case.ledger case.ledger'
check "kit format document is docs/formats/ledger.md" 'cmp -s exp/kit/ledger.md "$CUSTOS_SOURCE_ROOT/docs/formats/ledger.md"'
check "kit key files are the enrolled keys (openssl)" \
  '[ "$(openssl pkey -pubin -in exp/kit/keys/$(fp bob | cut -c1-16).pem -outform DER | sha256sum | cut -d" " -f1)" = "$(fp bob)" ]'
check "fingerprints.txt lists every key" '[ "$(wc -l < exp/kit/fingerprints.txt)" -eq 4 ] && grep -q "$(fp carol)  witness" exp/kit/fingerprints.txt'
check "no staging directory left behind" '[ -z "$(ls -A . | grep incomplete)" ]'
R=exp/custody-report.txt
check "report: item description" 'grep -q "Description:   smartphone of the branch manager" $R'
check "report: make, model, serial" 'grep -q "Make:          Samsung" $R && grep -q "Model:         Galaxy S23" $R && grep -q "Serial number: R5CW1234XYZ" $R'
check "report: released by with the key" 'grep -q "released by: Alice Chen (custodian) key $(fp alice | cut -c1-16) \[signed\]" $R'
check "report: received by the vendor" 'grep -q "received by: Vera Shred Ltd. (vendor) key $(fp vera | cut -c1-16)" $R'
check "report: purpose and seal" 'grep -q "purpose:     transport to the forensic lab" $R && grep -q "seal:        TE-004411 intact" $R'
check "report: check-out from storage" 'grep -q "released by: storage: lab locker 12" $R'
check "report: final disposal and its witness" 'grep -q "witness to destruction: 林佳慧 (Carol Lin) (witness)" $R && grep -q "certificate: VS-2026-0099" $R'
check "report: full fingerprints of the participants" 'grep -q "key $(fp vera)" $R'
check "report: the ledger head" 'grep -q "Ledger head:     $(tail -n 1 case.ledger | tr -d "\n" | sha256sum | cut -d" " -f1)" $R'
check "report: the checkpoint and its hash" 'grep -q "kit/checkpoint.note, SHA-256 $(sha256sum < cp2.note | cut -d" " -f1)" $R'
check "report: the Merkle root custos-ledger verify computes" \
  'grep -q "Merkle root:     $(custos-ledger verify --json -l case.ledger | jq -r .root)" $R'
check "HTML: a custody table with escaped names" \
  'grep -q "<th>Released by</th>" exp/custody-report.html && grep -q "Vera Shred Ltd. (vendor)" exp/custody-report.html && ! grep -q "<script" exp/custody-report.html'
check "HTML is well-formed enough for python's parser" \
  'python3 -c "import html.parser,sys; p=html.parser.HTMLParser(); p.feed(open(sys.argv[1]).read()); p.close()" exp/custody-report.html'
J=exp/case.jsonld
check "JSON-LD is JSON with @context and @graph" 'jq -e ".\"@context\".\"case-investigation\" and (.\"@graph\" | length > 10)" $J > /dev/null'
check "JSON-LD structure (python3 json)" "python3 - '$J' <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
g = d['@graph']
ids = {n['@id'] for n in g}
by = {}
for n in g:
    by.setdefault(n['@type'], []).append(n)
assert len(by['uco-core:Bundle']) == 1
assert all(o['@id'] in ids for o in by['uco-core:Bundle'][0]['uco-core:object'])
inv = by['case-investigation:Investigation'][0]
assert inv['uco-core:name'] == 'IR-2026-0077'
assert inv['case-investigation:relevantAuthorization'][0]['@id'] in ids
assert sorted(set(p['case-investigation:exhibitNumber'] for p in by['case-investigation:ProvenanceRecord'])) == ['E-1', 'E-2']
assert len(by['uco-identity:Person']) == 4
assert {r['uco-core:name'] for r in by['uco-role:Role']} == {'custodian', 'witness', 'vendor'}
assert all(r['uco-core:kindOfRelationship'] == 'Has_Role' for r in by['uco-core:Relationship'])
acts = by['case-investigation:InvestigativeAction']
names = [a['uco-core:name'] for a in acts]
assert names.count('transferred') == 3 and 'destroyed' in names and 'seized' in names, names
for a in acts:
    assert 'uco-core:hasFacet' not in a  # UCO 1.x: no ActionReferencesFacet
    assert a['uco-action:performer']['@id'] in ids
    assert a['uco-action:startTime']['@type'] == 'xsd:dateTime'
dev = [x for x in by['uco-observable:Device'] if x['uco-core:name'] == 'E-1'][0]
assert dev['uco-core:hasFacet'][0]['uco-observable:serialNumber'] == 'R5CW1234XYZ'
hashes = [h['uco-types:hashValue']['@value'] for o in by['uco-observable:ObservableObject'] for h in o['uco-core:hasFacet'][0]['uco-observable:hash']]
import hashlib
assert hashlib.sha256(b'image').hexdigest() in hashes
EOF"
expect "export refuses an existing directory" 6 custos-ledger export -l case.ledger -o exp
check "the refusal names the directory" 'grep -q "exp: already exists" err'
check "the existing export is untouched" '(cd exp && sha256sum -c --quiet SHA256SUMS)'
expect "export needs -o" 2 custos-ledger export -l case.ledger

# 4. The kit, without custos.
expect "kit: verify-all.sh passes on the export" 0 env PATH=/usr/bin:/bin sh exp/kit/verify-all.sh
check "kit: every signature OK" '[ "$(grep -c "^entry [0-9]*: signature by .* OK" out)" -eq "$(custos-ledger verify --json -l case.ledger | jq .signatures)" ] && ! grep -q BAD out'
check "kit: checkpoint signature and cosignature" 'grep -q "^signature by custos.invalid/key/$(fp alice | cut -c1-16): OK" out && grep -q "cosignature at .* by custos.invalid/key/$(fp carol | cut -c1-16): OK" out'
check "kit: RESULT line" 'grep -q "RESULT: the ledger verifies" out'
# custody-export.md section 5, exactly as written, run with sh -e on a copy of the
# export named EXPORT, with the export's own checkpoint as OLD.note.
sed -n '/^## 5\./,/^## 6\./p' "$CUSTOS_SOURCE_ROOT/docs/formats/custody-export.md" |
  sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' > section5.sh
rm -rf EXPORT && cp -r exp EXPORT && cp exp/kit/checkpoint.note EXPORT/OLD.note
check "custody-export.md section 5 has its four steps" '[ "$(grep -c "^sha256sum -c\\|^cat kit\\|^sh kit" section5.sh)" -eq 4 ]'
expect "custody-export.md section 5 passes, run as written with sh" 0 env PATH=/usr/bin:/bin sh -e section5.sh
check "and its step 3 prints RESULT: the ledger verifies" 'grep -q "RESULT: the ledger verifies" out'
# Tampered copies: a one-entry export keeps the shell kit fast (every line costs several
# openssl runs); the truncation is checked on the case export against its checkpoint.
custos-ledger export -q -l fresh.ledger -o small
expect "kit: verify-all.sh passes on a second export" 0 sh small/kit/verify-all.sh
rm -rf t-field; cp -r small t-field; chmod u+w t-field/kit/case.ledger
sed -i '1s/order 12/order 13/' t-field/kit/case.ledger
expect "kit: a changed field fails" 1 sh t-field/kit/verify-all.sh
check "kit: names the bad entry" 'grep -q "entry 0: signature by .* BAD" out && grep -q "RESULT: FAILED" out'
check "kit: and the head differs from the report's" 'grep -q "is not the custody report" out'
rm -rf t-sig; cp -r small t-sig; chmod u+w t-sig/kit/case.ledger
sed -i '1s/\([0-9a-f]\{64\}\):A/\1:B/;t;1s/\([0-9a-f]\{64\}\):[^A]/\1:A/' t-sig/kit/case.ledger
check "the signature was replaced" '! cmp -s small/kit/case.ledger t-sig/kit/case.ledger'
expect "kit: a replaced signature fails" 1 sh t-sig/kit/verify-all.sh
rm -rf t-cut; cp -r exp t-cut; chmod u+w t-cut/kit/case.ledger
head -n 10 exp/kit/case.ledger > t-cut/kit/case.ledger
expect "kit: a truncated ledger fails against the checkpoint" 1 sh t-cut/kit/verify-checkpoint.sh \
  t-cut/kit/checkpoint.note t-cut/kit/case.ledger t-cut/kit/keys/*.pem
check "kit: says TRUNCATED" 'grep -q "TRUNCATED" out'
check "sha256sum -c also catches the tampered copy" '! (cd t-field && sha256sum -c --quiet SHA256SUMS > /dev/null 2>&1)'

# 5. A tampered ledger is not shown nor exported.
cp case.ledger bad.ledger
sed -i '10s/lab locker 12/lab locker 13/' bad.ledger
expect "show of a tampered ledger exits 4" 4 custos-ledger show -l bad.ledger
check "one error line naming the entry" '[ "$(wc -l < err)" -eq 1 ] && grep -q "bad.ledger: entry 9:" err'
check "nothing printed" '[ ! -s out ]'
expect "export of a tampered ledger exits 4" 4 custos-ledger export -l bad.ledger -o exp-bad
check "no export directory for it" '[ ! -e exp-bad ] && [ -z "$(ls -A . | grep incomplete)" ]'
expect "status of a tampered and a good ledger exits 4 and shows the good one" 4 \
  custos-ledger status bad.ledger fresh.ledger
check "status still reports the good case" 'grep -q "case IR-2026-0078" out'

echo "1..$n"
[ $failed -eq 0 ]
