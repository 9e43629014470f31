#!/bin/sh
# custos-verify's reference signature and ledger entry: a manifest signed with
# custos-key (purpose manifest) verifies with its signer's public key; another
# key, a tampered manifest or a tampered signature stop the run with exit 4
# before anything is read; an unsigned reference is reported as unsigned.
# With --ledger, a signed verify entry records result match or mismatch, the
# reference's SHA-256 (sha256sum's) and the scope, and custos-ledger verify
# accepts the ledger.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# Key derivation is deliberately slow; keep AddressSanitizer's quarantine small.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

echo "passphrase of alice" > alice.pass
echo "passphrase of carol" > carol.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file alice.pass
custos-key generate -q --name Carol --role witness -o carol.key --passphrase-file carol.pass
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file alice.pass --case C-1 \
    --level 2 --authorisation "order 1"
custos-ledger add --yes enroll -q -l c.ledger --sign subject=carol.key --sign approver=alice.key \
    --passphrase-file carol.pass --passphrase-file alice.pass
check "keys and ledger" '[ -f alice.key.pub ] && [ -f carol.key.pub ] && [ -s c.ledger ]'

mkdir ev && seq 1 1000 > ev/log.txt && printf 'note\n' > ev/note.txt
custos-hash -q -o m.json ev >/dev/null
custos-key sign -q --key alice.key --passphrase-file alice.pass --purpose manifest -o m.json.sig m.json
check "manifest signed" '[ -f m.json.sig ]'

custos-verify -q -r m.json --signer alice.key.pub --json ev > out.json; rc=$?
check "signed by the signer: exit 0" '[ $rc -eq 0 ]'
check "  the report says valid, with the signer's fingerprint" \
  '"$PY" -c "import json,sys; s=json.load(open(\"out.json\"))[\"reference\"][\"signature\"]; sys.exit(not(s[\"status\"] == \"valid\" and len(s[\"signer\"]) == 64))"'
custos-verify -q -r m.json --signer carol.key.pub ev >/dev/null 2>err.txt; rc=$?
check "another signer: exit 4" '[ $rc -eq 4 ]'
check "  one line on stderr naming the reference" '[ $(wc -l < err.txt) -eq 1 ] && grep -q "custos-verify: .*m.json" err.txt'
cp m.json t.json && sed -i 's/"size": 5,/"size": 6,/' t.json && cp m.json.sig t.json.sig
custos-verify -q -r t.json --signer alice.key.pub ev >out.txt 2>/dev/null; rc=$?
check "a tampered manifest: exit 4, nothing checked" '[ $rc -eq 4 ] && [ ! -s out.txt ]'
# Change the signature's first base64 digit (to B if it is A, else to A).
awk '/^signature: / { c = substr($2, 1, 1); $2 = (c == "A" ? "B" : "A") substr($2, 2) } { print }' \
  m.json.sig > bad.sig
custos-verify -q -r m.json --reference-sig bad.sig --signer alice.key.pub ev >/dev/null 2>&1; rc=$?
check "a tampered signature: exit 4" '[ $rc -eq 4 ]'
custos-verify -q -r m.json --reference-sig nothere.sig --signer alice.key.pub ev >/dev/null 2>&1; rc=$?
check "a missing signature file: exit 4 (untrusted, not a system error)" '[ $rc -eq 4 ]'
rm -f m2.json; cp m.json m2.json
custos-verify -q -r m2.json --json ev > out.json; rc=$?
check "an unsigned reference: exit 0, reported unsigned" \
  '[ $rc -eq 0 ] && grep -q "\"status\": \"unsigned\"" out.json'
custos-verify -r m2.json ev >/dev/null 2>err.txt
check "  and a warning says the signature was not checked" 'grep -q "not checked" err.txt'

# A bag sealed by custos-seal: its signatures are checked by the seal module.
custos-seal create -q --yes ev -o pkg --format dir --key alice.key --passphrase-file alice.pass \
    --case C-1 --evidence EV-1 --seal S-1 --authorisation "order 1" >/dev/null 2>&1
check "a sealed bag (custos-seal, directory)" '[ -d pkg/custos-seal ]'
custos-verify -q -r pkg --signer alice.key.pub --json > out.json; rc=$?
check "  its signer checks: exit 0, signature valid" \
  '[ $rc -eq 0 ] && grep -q "\"status\": \"valid\"" out.json'
check "  the reference sha256 is the tag manifest's (what the seal signs)" \
  '"$PY" -c "import json; print(json.load(open(\"out.json\"))[\"reference\"][\"sha256\"] + \"  pkg/tagmanifest-sha256.txt\")" | sha256sum -c --quiet -'
custos-verify -q -r pkg --signer carol.key.pub >/dev/null 2>&1; rc=$?
check "  a key that did not seal it: exit 4" '[ $rc -eq 4 ]'
custos-verify -q -r pkg --json > out.json; rc=$?
check "  without --signer: exit 0, signature not checked" \
  '[ $rc -eq 0 ] && grep -q "\"status\": \"not checked\"" out.json'
cp -a pkg pkg2 && printf 'Tampered: yes\n' >> pkg2/bag-info.txt
custos-verify -q -r pkg2 --signer alice.key.pub >/dev/null 2>&1; rc=$?
check "  a tampered tag file breaks the seal: exit 4" '[ $rc -eq 4 ]'

# Ledger entries.
before=$(wc -l < c.ledger)
custos-verify -q -r m.json --signer alice.key.pub --ledger c.ledger --key carol.key \
    --passphrase-file carol.pass ev >/dev/null; rc=$?
check "a clean check with --ledger: exit 0" '[ $rc -eq 0 ]'
check "  one entry appended" '[ $(wc -l < c.ledger) -eq $((before + 1)) ]'
tail -n 1 c.ledger | cut -f 1 > body.json
check "  action verify, result match, the manifest's sha256, the scope" \
  '"$PY" -c "import json,sys; b=json.load(open(\"body.json\")); sys.exit(not(b[\"action\"] == \"verify\" and b[\"result\"] == \"match\" and b[\"record\"] == \"m.json\" and \"VERIFIED\" in b[\"comment\"] and b[\"parties\"][0][\"as\"] == \"verifier\"))"' 
check "  the sha256 is sha256sum's of the manifest" \
  '"$PY" -c "import json; print(json.load(open(\"body.json\"))[\"sha256\"] + \"  m.json\")" | sha256sum -c --quiet -'
printf 'changed\n' > ev/note.txt
custos-verify -q -r m.json --sample 1 --seed 9 --recheck /dev/null --ledger c.ledger --key carol.key \
    --passphrase-file carol.pass ev >/dev/null 2>&1; rc=$?
check "--recheck of something that is not a report: exit 5, no entry" \
  '[ $rc -eq 5 ] && [ $(wc -l < c.ledger) -eq $((before + 1)) ]'
custos-verify -q -r m.json --level structure --ledger c.ledger --key carol.key \
    --passphrase-file carol.pass ev >/dev/null 2>&1; rc=$?
check "a mismatch with --ledger: exit 1, entry result mismatch" \
  '[ $rc -eq 1 ] && tail -n 1 c.ledger | cut -f 1 | grep -q "\"result\":\"mismatch\""'
check "  the scope says structure level" 'tail -n 1 c.ledger | grep -q "level structure"'
custos-ledger verify -q -l c.ledger >/dev/null 2>&1; rc=$?
check "custos-ledger verify accepts the ledger" '[ $rc -eq 0 ]'
custos-verify -q -r m.json --ledger c.ledger --key carol.key --passphrase-file alice.pass ev \
    >/dev/null 2>&1; rc=$?
check "a wrong passphrase fails before the check: exit 4" '[ $rc -eq 4 ]'

echo "1..$n"
[ "$failed" -eq 0 ]
