#!/bin/sh
# custos-seal end to end: directory, tar and zip packages sealed, cosigned,
# verified, extracted; each checked as a plain BagIt bag with sha256sum after
# unpacking it with tar/unzip. Timestamps and the ledger: seal-create.sh.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
make_keys
make_evidence

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
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
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

done_tests
