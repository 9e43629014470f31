#!/bin/sh
# custos-seal create against a local RFC 3161 TSA on loopback (openssl ts
# behind tests/tsa/tsa-server.py): a stored timestamp that openssl ts
# accepts, and a rejection, an expired TSA certificate and an unreachable
# TSA that each stop the sealing; sources custos will not seal; and the
# ledger's seal entry, checked with python's json module.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
. "$CUSTOS_SOURCE_ROOT/tests/tsa/tsa-lib.sh"
at_exit_extra=tsa_stop
make_keys
make_evidence
tsa_start "$work/tsa" || { echo "Bail out! no TSA"; exit 1; }

# Timestamps from the local TSA.
expect "create with a timestamp checked against the TSA CA" 0 "" \
  seal ts.tar --party witness=carol.key.pub --tsa "$TSA_URL/" --tsa-ca "$TSA_CA" ev
custos-seal verify ts.tar --tsa-ca "$TSA_CA" > v.txt 2>/dev/null
grep -q "^timestamp: .*custos Test TSA.*verified against the TSA CA" v.txt &&
  pass "verify checks the timestamp against the CA" || fail "verify checks the timestamp" "$(cat v.txt)"
# The rule of docs/formats/package.md section 4: a timestamp not checked against a TSA CA is
# reported as not checked (INCOMPLETE, exit 3), never as ok; as custos-dispose verify does.
expect "a timestamp without --tsa-ca is reported as not checked (exit 3)" 3 \
  "*timestamp.tsr: not checked: no TSA CA given*" custos-seal verify ts.tar
custos-seal verify ts.tar > v.txt 2>/dev/null
grep -q "^timestamp: .*NOT CHECKED (no TSA CA)" v.txt && grep -q "^result: *incomplete" v.txt &&
  pass "verify without --tsa-ca says the timestamp was not checked" ||
  fail "verify without --tsa-ca says the timestamp was not checked" "$(cat v.txt)"
custos-seal verify --json ts.tar 2>/dev/null | python3 -c '
import json, sys
t = json.load(sys.stdin)["timestamp"]
sys.exit(0 if t["checked"] is False and t["status"] != "ok" else 1)' &&
  pass "the JSON report's timestamp status is not ok when unchecked" ||
  fail "the JSON report's timestamp status is not ok when unchecked"
expect "a CA file that cannot be read leaves the timestamp not checked (exit 3)" 3 \
  "*timestamp.tsr: not checked:*" custos-seal verify ts.tar --tsa-ca "$work/no-such-ca.pem"
rm -rf un; mkdir un; tar -xf ts.tar -C un
if openssl ts -verify -data un/ts/tagmanifest-sha256.txt -in un/ts/custos-seal/timestamp.tsr \
    -CAfile "$TSA_CA" >/dev/null 2>&1 &&
   openssl ts -reply -in un/ts/custos-seal/timestamp.tsr -text 2>/dev/null | grep -q '^Status: Granted'; then
  pass "openssl ts -verify accepts the stored timestamp over the tag manifest"
else fail "openssl ts -verify accepts the stored timestamp"; fi
expect "an Ed25519 TSA's rejection stops the sealing (exit 4)" 4 "*did not grant*rejection*" \
  seal ed.tar --tsa "$TSA_URL/ed25519" ev
expect "a TSA certificate expired at genTime is refused with --tsa-ca" 4 "*expired*" \
  seal old.tar --tsa "$TSA_URL/old" --tsa-ca "$TSA_CA" ev
expect "an unreachable TSA (exit 7)" 7 "*127.0.0.1:1*" seal down.tar --tsa http://127.0.0.1:1/ ev
[ ! -e ed.tar ] && [ ! -e old.tar ] && [ ! -e down.tar ] && pass "nothing is left after a TSA failure" ||
  fail "nothing is left after a TSA failure"

# Sources custos will not seal.
mkdir bad1; ln -s /etc/passwd bad1/link
expect "a symbolic link under an operand is refused" 6 "*bad1/link*not a regular file*" seal b1.tar bad1
mkdir bad2; printf x > 'bad2/back\slash'
expect "a name with a backslash is refused" 6 "*cannot be sealed*" seal b2.tar bad2
mkdir bad3; printf x > "bad3/$(printf 'new\nline')"
expect "a name with a line feed is refused" 6 "*cannot be sealed*" seal b3.tar bad3
expect "two operands with the same name" 2 "*same name*" seal b4.tar ev/a.txt bad1/../ev/a.txt
[ ! -e b1.tar ] && [ ! -e b2.tar ] && pass "nothing is left after a refusal" || fail "nothing is left after a refusal"

# Non-ASCII names (issue 18 items 1 and 2), made and read under LANG=C: tar
# holds them as pax UTF-8 paths (no hdrcharset=BINARY), zip with the UTF-8
# flag (general purpose bit 11); GNU tar, bsdtar and Python read them back.
mkdir -p intl/子目錄
printf 'café\n' > intl/café.txt
printf '證物\n' > intl/子目錄/證物清單.txt
printf 'x\n' > "intl/Ünïcödé and 空白.txt"
saved_lc_all=${LC_ALL-}; export LC_ALL=C
for f in intl.tar intl.zip; do
  expect "create $f with Chinese and accented names under LANG=C" 0 "" seal $f intl
  expect "custos-seal verify $f under LANG=C" 0 "" custos-seal verify -q $f
  expect "custos-verify $f under LANG=C (every name found)" 0 "" \
    custos-verify -q -r $f
  rm -rf "x-$f"
  expect "custos-seal extract $f under LANG=C" 0 "" custos-seal extract -q $f -o "x-$f"
  if bagit_valid "x-$f" && cmp -s "x-$f/data/intl/子目錄/證物清單.txt" intl/子目錄/證物清單.txt; then
    pass "the bag extracted from $f is valid BagIt with its names intact"
  else fail "the bag extracted from $f is valid BagIt with its names intact" "$(ls -R "x-$f")"; fi
done
mkdir bad5; printf x > "bad5/$(printf 'big5-\244\244\244\345.txt')"
expect "a name that is not valid UTF-8 is refused (exit 6)" 6 "*not valid UTF-8*cannot be sealed*" \
  seal b5.zip bad5
[ ! -e b5.zip ] && pass "and nothing is written" || fail "and nothing is written"
if [ -n "$saved_lc_all" ]; then LC_ALL=$saved_lc_all; else unset LC_ALL; fi
want=$(printf '%s\n' "intl/data/intl/café.txt" "intl/data/intl/Ünïcödé and 空白.txt" "intl/data/intl/子目錄/證物清單.txt")
got=$(LC_ALL=C.UTF-8 tar -tf intl.tar | grep /data/)
[ "$got" = "$want" ] && pass "GNU tar lists the names exactly" || fail "GNU tar lists the names exactly" "$got"
got=$(LC_ALL=C.UTF-8 bsdtar -tf intl.tar | grep /data/)
[ "$got" = "$want" ] && pass "bsdtar lists the names exactly" || fail "bsdtar lists the names exactly" "$got"
if LC_ALL=C.UTF-8 tar -tf intl.tar 2>&1 >/dev/null | grep -q . ; then
  fail "GNU tar reads the package without a warning" "$(LC_ALL=C.UTF-8 tar -tf intl.tar 2>&1 >/dev/null)"
else pass "GNU tar reads the package without a warning (no hdrcharset=BINARY)"; fi
if $PY - intl.tar intl.zip "$want" <<'PYEOF'
import sys, tarfile, zipfile
want = sys.argv[3].split("\n")
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        assert "hdrcharset" not in m.pax_headers, m.pax_headers
    names = [m.name for m in t.getmembers() if "/data/" in m.name]
assert names == want, names
with zipfile.ZipFile(sys.argv[2]) as z:
    for i in z.infolist():
        nonascii = any(ord(c) > 127 for c in i.filename)
        assert bool(i.flag_bits & 0x800) == nonascii, (i.filename, hex(i.flag_bits))
    names = [i.filename for i in z.infolist() if "/data/" in i.filename]
assert names == want, names
PYEOF
then pass "Python's tarfile and zipfile read the names exactly (zip bit 11 set on non-ASCII names)"
else fail "Python's tarfile and zipfile read the names exactly (zip bit 11 set on non-ASCII names)"; fi

# The ledger's seal entry.
L="-q -l case.ledger"
custos-ledger open $L --key alice.key --passphrase-file alice.pass --case CASE-1 --level 3 --authorisation "order 2026/117" &&
custos-ledger add --yes enroll $L --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file carol.pass --passphrase-file alice.pass &&
custos-ledger add --yes collect $L --sign custodian=alice.key --sign witness=carol.key \
  --passphrase-file alice.pass --passphrase-file carol.pass --item E-001 --description "laptop" ||
  { echo "Bail out! ledger setup"; exit 1; }
expect "create --ledger for an item never collected is refused before sealing" 6 "*" \
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
  --passphrase-file carol.pass --evidence E-999 --seal S-9 \
  --ledger case.ledger -o never.tar ev
[ ! -e never.tar ] && pass "and no package is written" || fail "and no package is written"
# The case's facts are the ledger's: another case or warrant is refused
# before a passphrase is read (the passphrase descriptor is never read).
expect "create --ledger --case of another case is refused (exit 6)" 6 \
  '*--case "WRONG-CASE" differs from the ledger'"'"'s "CASE-1"*' \
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-fd 9 \
  --case WRONG-CASE --evidence E-001 --seal S-1 --ledger case.ledger -o wrong.tar ev
[ ! -e wrong.tar ] && pass "and no package is written" || fail "and no package is written"
expect "create --ledger --authorisation of another warrant is refused (exit 6)" 6 \
  '*--authorisation "TOTALLY DIFFERENT" differs from the ledger*' \
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-fd 9 \
  --authorisation "TOTALLY DIFFERENT" --evidence E-001 --seal S-1 --ledger case.ledger \
  -o wrong.tar ev
expect "create --ledger with the witness signing now" 0 "" \
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
  --passphrase-file carol.pass --evidence E-001 --seal TE-000731 \
  --ledger case.ledger -o led.tar ev
rm -rf un; mkdir un; tar -xf led.tar -C un
if grep -q '^Custos-Case: CASE-1$' un/led/bag-info.txt &&
   grep -q '^Custos-Authorisation: order 2026/117$' un/led/bag-info.txt &&
   grep -q '^External-Description: laptop$' un/led/bag-info.txt; then
  pass "the package carries the ledger's case, authorisation and the item's description"
else fail "the package carries the ledger's case, authorisation and the item's description" "$(cat un/led/bag-info.txt)"; fi
expect "the ledger verifies" 0 "" custos-ledger verify -q -l case.ledger
rm -rf un; mkdir un; tar -xf led.tar -C un
want=$(sha256sum un/led/tagmanifest-sha256.txt | cut -d' ' -f1)
last=$(tail -n 1 case.ledger | cut -f1)
if printf '%s' "$last" | $PY -c '
import json, sys
b = json.load(sys.stdin)
assert b["action"] == "seal" and b["item"] == "E-001" and b["seal"] == "TE-000731", b
assert b["sha256"] == sys.argv[1], (b["sha256"], sys.argv[1])
assert sorted(p["as"] for p in b["parties"]) == ["custodian", "witness"], b["parties"]
' "$want"; then pass "the seal entry records item, seal and SHA-256 of the tag manifest"
else fail "the seal entry records item, seal and SHA-256 of the tag manifest" "$last"; fi
expect "create --ledger with the witness to attest later" 0 "" \
  seal led2.tar --party witness=carol.key.pub --ledger case.ledger ev
expect "the ledger then awaits the witness's attestation (exit 3)" 3 "*" \
  custos-ledger verify -q -l case.ledger

done_tests
