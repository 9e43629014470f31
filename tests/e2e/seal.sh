#!/bin/sh
# custos-seal end to end: directory, tar and zip packages sealed, cosigned,
# verified, extracted; each checked as a plain BagIt bag with sha256sum after
# unpacking it with tar/unzip; an RFC 3161 timestamp from a local TSA on
# loopback (openssl ts behind tests/tsa/tsa-server.py); the ledger's seal entry.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
. "$CUSTOS_SOURCE_ROOT/tests/tsa/tsa-lib.sh"
at_exit_extra=tsa_stop
make_keys
make_evidence
tsa_start "$work/tsa" || { echo "Bail out! no TSA"; exit 1; }

for fmt in dir tar zip; do
  case $fmt in dir) p=pkg-dir ;; *) p=pkg.$fmt ;; esac
  expect "$fmt: create with a witness to cosign later" 0 "" \
    seal "$p" --party witness=carol.key.pub ev record.json
  expect "$fmt: verify says the witness is awaited (exit 3)" 3 "*awaiting the witness's signature ($(fp16 carol))*" \
    custos-seal verify -q "$p"
  expect "$fmt: the witness cosigns" 0 "" \
    custos-seal cosign -q "$p" --key carol.key --passphrase-file carol.pass
  expect "$fmt: cosigning twice is refused" 6 "*already signed by $(fp16 carol)*" \
    custos-seal cosign -q "$p" --key carol.key --passphrase-file carol.pass
  expect "$fmt: verify with both keys trusted" 0 "" \
    custos-seal verify -q "$p" --trust alice.key.pub --trust carol.key.pub
  # Unpack with independent tools and validate as plain BagIt.
  rm -rf un; mkdir un
  case $fmt in
    dir) cp -r "$p" un/bag ;;
    tar) tar -xf "$p" -C un && mv un/pkg un/bag ;;
    zip) (cd un && unzip -q "../$p") && mv un/pkg un/bag ;;
  esac
  if bagit_valid un/bag; then pass "$fmt: a valid BagIt bag (sha256sum -c of both manifests, complete, Payload-Oxum)"
  else fail "$fmt: a valid BagIt bag"; fi
  if [ "$(sed -n 's/^Payload-Oxum: //p' un/bag/bag-info.txt)" = "300038.5" ]; then
    pass "$fmt: Payload-Oxum counts 5 files, 300038 bytes"
  else fail "$fmt: Payload-Oxum" "$(cat un/bag/bag-info.txt)"; fi
  expect "$fmt: extract" 0 "" custos-seal extract -q "$p" -o "x-$fmt"
  if diff -r ev "x-$fmt/data/ev" && cmp -s record.json "x-$fmt/data/record.json"; then
    pass "$fmt: extracted payload equals the originals"
  else fail "$fmt: extracted payload equals the originals"; fi
  if [ ! -w "x-$fmt/data/ev/a.txt" ] || [ "$(id -u)" -eq 0 ]; then
    [ "$(stat -c %a "x-$fmt/data/ev/a.txt")" = 444 ] && pass "$fmt: extracted files are read-only" ||
      fail "$fmt: extracted files are read-only" "$(stat -c %a "x-$fmt/data/ev/a.txt")"
  fi
  expect "$fmt: extract into an existing directory is refused" 6 "*x-$fmt*exist*" \
    custos-seal extract -q "$p" -o "x-$fmt"
  expect "$fmt: sealing over an existing package is refused" 6 "*exist*" \
    seal "$p" ev
done
[ -z "$(ls -a | grep incomplete)" ] && pass "no temporary files left" || fail "no temporary files left" "$(ls -a)"

expect "a witness present signs at once" 0 "" \
  custos-seal create -q --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
  --passphrase-file carol.pass --case CASE-1 --evidence E-001 --seal TE-2 --authorisation a \
  -o both.tar ev
expect "which verifies at once" 0 "" custos-seal verify -q both.tar --trust carol.key.pub

# JSON report.
custos-seal verify --json pkg.tar --trust alice.key.pub > v.json 2>/dev/null
if $PY -c '
import json, sys
d = json.load(open("v.json"))
assert d["status"] == "ok" and d["format"] == "tar" and d["payload_files"] == 5
assert d["seal"] == "TE-000731" and d["case"] == "CASE-1" and d["evidence"] == "E-001"
roles = sorted((s["role"], s["status"], s["trusted"]) for s in d["signatures"])
assert roles == [("custodian", "ok", True), ("witness", "ok", False)], roles
'; then pass "verify --json reports signers, roles and trust"; else fail "verify --json" "$(cat v.json)"; fi

# Timestamps from the local TSA.
expect "create with a timestamp checked against the TSA CA" 0 "" \
  seal ts.tar --party witness=carol.key.pub --tsa "$TSA_URL/" --tsa-ca "$TSA_CA" ev
custos-seal verify ts.tar --tsa-ca "$TSA_CA" > v.txt 2>/dev/null
grep -q "^timestamp: .*custos Test TSA.*verified against the TSA CA" v.txt &&
  pass "verify checks the timestamp against the CA" || fail "verify checks the timestamp" "$(cat v.txt)"
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

# The ledger's seal entry.
L="-q -l case.ledger"
custos-ledger open $L --key alice.key --passphrase-file alice.pass --case CASE-1 --level 3 --authorisation "order 2026/117" &&
custos-ledger add enroll $L --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file carol.pass --passphrase-file alice.pass &&
custos-ledger add collect $L --sign custodian=alice.key --sign witness=carol.key \
  --passphrase-file alice.pass --passphrase-file carol.pass --item E-001 --description "laptop" ||
  { echo "Bail out! ledger setup"; exit 1; }
expect "create --ledger for an item never collected is refused before sealing" 6 "*" \
  custos-seal create -q --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
  --passphrase-file carol.pass --case CASE-1 --evidence E-999 --seal S-9 --authorisation a \
  --ledger case.ledger -o never.tar ev
[ ! -e never.tar ] && pass "and no package is written" || fail "and no package is written"
expect "create --ledger with the witness signing now" 0 "" \
  custos-seal create -q --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
  --passphrase-file carol.pass --case CASE-1 --evidence E-001 --seal TE-000731 --authorisation a \
  --ledger case.ledger -o led.tar ev
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
