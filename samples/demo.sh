#!/bin/sh
# samples/demo.sh: the README's first command. On a fresh Debian 12 machine,
# as root: installs what is missing, builds custos in build/ (only configures
# it the first time), then runs the custody workflow on the sample medium
# samples/usb-stick.img.gz in a fresh directory samples/out/TIMESTAMP/:
#
#   1. acquire the medium to E01 with case metadata and an authorisation
#      reference (custos-acquire), and show its summary and record;
#   2. check the result with tools that are not custos: ewfverify, ewfinfo,
#      fls (The Sleuth Kit) and sha256sum;
#   3. convert the E01 back to raw (custos-acquire, and ewfexport as the
#      independent converter) and compare SHA-256 with the original medium.
#
# Exits non-zero, naming the step, on any failure.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

section() { printf '\n==== %s\n' "$*"; }
fail() {
  printf '\ndemo: FAILED: %s\n' "$*" >&2
  exit 1
}
# field RECORD KEY.KEY...: one value of a JSON record (python3, no jq needed).
field() {
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1" "$2"
}

section "1. Dependencies (scripts/install-deps.sh)"
sh scripts/install-deps.sh || fail "cannot install the Debian packages (run as root)"
echo "all Debian packages present"

section "2. Build (build/)"
out=samples/out/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p samples/out
mkdir "$out" || fail "$out exists already; run again in a second"
if [ ! -f build/build.ninja ]; then
  meson setup build >"$out/meson-setup.log" 2>&1 || { cat "$out/meson-setup.log"; fail "meson setup"; }
fi
ninja -C build >"$out/ninja.log" 2>&1 || { cat "$out/ninja.log"; fail "build"; }
PATH=$root/build/tools:$PATH
export PATH
custos-acquire --version
echo "output directory: $out"

section "3. The sample medium (samples/usb-stick.img.gz)"
gzip -dc samples/usb-stick.img.gz >"$out/usb-stick.img" || fail "cannot unpack the sample medium"
chmod 0444 "$out/usb-stick.img"
(cd "$out" && sha256sum -c "$root/samples/usb-stick.img.sha256") ||
  fail "the sample medium is not the one samples/usb-stick.img.sha256 names"
echo "files on it (fls -r; * marks a deleted file):"
fls -r "$out/usb-stick.img" | sed 's/^/  /'

section "4. Acquire it to E01 (custos-acquire)"
mkdir "$out/evidence"
set -- custos-acquire \
  --authorisation "IR-2026-0117/APPROVAL-03 (CISO written approval)" \
  --case-number "IR-2026-0117" --evidence-number "EV-01" \
  --examiner "Demo Custodian" \
  --description "USB stick found in workstation FIN-WS-07" \
  --notes "demo run of samples/demo.sh" \
  "$out/usb-stick.img" -o "$out/evidence/usb-stick.E01"
printf '$'
for a in "$@"; do
  case $a in *[!A-Za-z0-9./_-]*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac
done
printf '\n'
rc=0
"$@" || rc=$?
[ "$rc" -eq 0 ] || fail "custos-acquire exited $rc (see docs/exit-codes.md)"
e01=$out/evidence/usb-stick.E01
rec=$e01.acquire.json

section "5. The acquisition record ($rec)"
python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
c, s, v = r["case"], r["source"], r["verification"]
for k, x in [("status", r["status"]),
             ("authorisation", c["authorisation"]["reference"]),
             ("case/evidence", "%s / %s" % (c["case_number"], c["evidence_number"])),
             ("source", "%s (%s, %d bytes)" % (s["path"], s["kind"], r["bytes"])),
             ("started", r["started"]), ("finished", r["finished"]),
             ("md5", r["digests"]["md5"]), ("sha1", r["digests"]["sha1"]),
             ("sha256", r["digests"]["sha256"]),
             ("verification", "%s (%s)" % (v["result"], v.get("method", "-"))),
             ("unreadable", "%d sectors" % r["read_errors"]["unreadable_sectors"])]:
    print("%-15s %s" % (k + ":", x))' "$rec" || fail "cannot read the record"
echo "record SHA-256: $(sha256sum "$rec" | cut -d' ' -f1)  (what a ledger entry will reference)"
echo "full record: python3 -m json.tool $rec"

section "6. Independent check: ewfverify, ewfinfo, fls, sha256sum"
medium_sha256=$(sha256sum "$out/usb-stick.img" | cut -d' ' -f1)
[ "$(field "$rec" digests.sha256)" = "$medium_sha256" ] ||
  fail "the record's SHA-256 is not the medium's ($medium_sha256)"
echo "record SHA-256 = sha256sum of the medium: ok"
ewfverify -q -d sha1,sha256 "$e01" >"$out/ewfverify.txt" 2>&1 || { cat "$out/ewfverify.txt"; fail "ewfverify"; }
sed -n '/hash/p' "$out/ewfverify.txt" | sed 's/^/  /'
ewf_sha256=$(awk '/SHA256 hash calculated over data/ { print $NF }' "$out/ewfverify.txt")
[ "$ewf_sha256" = "$medium_sha256" ] || fail "ewfverify's SHA-256 of the E01 data is not the medium's"
for alg in MD5 SHA1; do
  stored=$(awk -v a="$alg" '$1 == a && $3 == "stored" { print $NF }' "$out/ewfverify.txt")
  key=$(echo "$alg" | tr 'A-Z' 'a-z')
  [ "$stored" = "$(field "$rec" "digests.$key")" ] || fail "the E01's stored $alg is not the record's"
done
echo "ewfverify: the E01's stored MD5 and SHA-1 match its data and the record; its SHA-256 equals the record's: ok"
ewfinfo -i "$e01" >"$out/ewfinfo.txt" 2>&1 || { cat "$out/ewfinfo.txt"; fail "ewfinfo"; }
sed -n '/Case number\|Evidence number\|Examiner\|Description\|Notes/p' "$out/ewfinfo.txt"
grep -q 'Authorisation: IR-2026-0117/APPROVAL-03' "$out/ewfinfo.txt" ||
  fail "the E01 header does not carry the authorisation reference"
fls -r "$out/usb-stick.img" >"$out/fls-medium.txt"
fls -r "$e01" >"$out/fls-e01.txt" || fail "fls cannot read the E01"
cmp -s "$out/fls-medium.txt" "$out/fls-e01.txt" || {
  diff "$out/fls-medium.txt" "$out/fls-e01.txt"
  fail "fls lists different files in the E01"
}
echo "fls -r: the E01 holds the same file system entries as the medium, deleted file included: ok"
(cd "$out/evidence" && python3 -c 'import json, os, sys
for f in json.load(open(sys.argv[1]))["output"]["files"]:
    print(f["sha256"] + "  " + os.path.basename(f["path"]))' "$(basename "$rec")" | sha256sum -c -) ||
  fail "an image file's SHA-256 differs from the record"

section "7. Convert the E01 back to raw and compare"
mkdir "$out/copy"
rc=0
custos-acquire -q -a "IR-2026-0117/APPROVAL-03 (CISO written approval)" \
  --case-number "IR-2026-0117" --evidence-number "EV-01-copy" \
  "$e01" -o "$out/copy/usb-stick.raw" >"$out/convert.txt" || rc=$?
[ "$rc" -eq 0 ] || { cat "$out/convert.txt"; fail "custos-acquire E01 -> raw exited $rc"; }
copy_sha256=$(sha256sum "$out/copy/usb-stick.raw" | cut -d' ' -f1)
echo "medium:               $medium_sha256"
echo "E01 -> raw (custos):  $copy_sha256"
[ "$copy_sha256" = "$medium_sha256" ] || fail "the converted raw image differs from the medium"
ewfexport -q -u -f raw -t "$out/copy/ewfexport" "$e01" >/dev/null 2>&1 || fail "ewfexport"
export_sha256=$(sha256sum "$out/copy/ewfexport.raw" | cut -d' ' -f1)
echo "E01 -> raw (ewfexport): $export_sha256"
[ "$export_sha256" = "$medium_sha256" ] || fail "ewfexport's raw image differs from the medium"

section "7b. Seal the image and its record (custos-seal)"
# Demo keys with demo passphrases in files; a real custodian types them.
mkdir "$out/keys"
for who in "Demo Custodian:custodian:custodian" "Demo Witness:witness:witness"; do
  name=${who%%:*} rest=${who#*:}
  echo "demo passphrase of ${rest#*:}" >"$out/keys/${rest#*:}.pass"
  custos-key generate -q --name "$name" --role "${rest%%:*}" -o "$out/keys/${rest#*:}.key" \
    --passphrase-file "$out/keys/${rest#*:}.pass" || fail "custos-key generate"
done
K=$root/$out/keys
S=$root/$out/sealed
custos-ledger open -q -l "$out/case.ledger" --key "$K/custodian.key" --passphrase-file "$K/custodian.pass" \
  --case IR-2026-0117 --level 3 --authorisation "IR-2026-0117/APPROVAL-03" || fail "custos-ledger open"
custos-ledger add enroll -q -l "$out/case.ledger" --sign subject="$K/witness.key" \
  --sign approver="$K/custodian.key" --passphrase-file "$K/witness.pass" \
  --passphrase-file "$K/custodian.pass" || fail "custos-ledger enroll"
custos-ledger add collect -q -l "$out/case.ledger" --sign custodian="$K/custodian.key" \
  --sign witness="$K/witness.key" --passphrase-file "$K/custodian.pass" \
  --passphrase-file "$K/witness.pass" --item EV-01 --description "USB stick" ||
  fail "custos-ledger collect"
mkdir "$out/sealed"
custos-seal create --key "$K/custodian.key" --sign witness="$K/witness.key" \
  --passphrase-file "$K/custodian.pass" --passphrase-file "$K/witness.pass" \
  --case IR-2026-0117 --evidence EV-01 --seal TE-000731 \
  --authorisation "IR-2026-0117/APPROVAL-03 (CISO written approval)" \
  --ledger "$out/case.ledger" -o "$out/sealed/EV-01.tar" "$out/evidence" || fail "custos-seal create"
custos-seal verify "$out/sealed/EV-01.tar" --trust "$K/custodian.key.pub" \
  --trust "$K/witness.key.pub" || fail "custos-seal verify"
custos-ledger verify -q -l "$out/case.ledger" || fail "custos-ledger verify"
# Independent checks (docs/formats/package.md section 5): tar, sha256sum, openssl.
mkdir "$out/sealed/unpacked"
tar -xf "$out/sealed/EV-01.tar" -C "$out/sealed/unpacked" || fail "tar -x"
(
  cd "$out/sealed/unpacked/EV-01" &&
  sha256sum -c --strict --quiet tagmanifest-sha256.txt &&
  sha256sum -c --strict --quiet manifest-sha256.txt &&
  fp=$(openssl pkey -pubin -in "$K/custodian.key.pub" -outform DER | sha256sum | cut -d' ' -f1) &&
  grep -qx "Custos-Signer: custodian $fp" bag-info.txt &&
  P=application/vnd.custos.seal.v1 &&
  { printf 'DSSEv1 %d %s %d ' ${#P} "$P" "$(wc -c <tagmanifest-sha256.txt)"; cat tagmanifest-sha256.txt; } >"$S/signed" &&
  sed -n 's/^signature: //p' "custos-seal/$(echo "$fp" | cut -c1-16).sig" | base64 -d >"$S/sig.bin" &&
  openssl pkeyutl -verify -rawin -pubin -inkey "$K/custodian.key.pub" -in "$S/signed" \
    -sigfile "$S/sig.bin" >/dev/null
) || fail "the sealed package does not check out with sha256sum and openssl"
echo "sha256sum -c of both BagIt manifests and openssl pkeyutl -verify of the custodian's seal signature: ok"
tm=$(sha256sum "$out/sealed/unpacked/EV-01/tagmanifest-sha256.txt" | cut -d' ' -f1)
tail -n 1 "$out/case.ledger" | grep -q "\"sha256\":\"$tm\"" || fail "the ledger's seal entry does not name the tag manifest"
echo "the ledger's seal entry records the tag manifest's SHA-256 $tm: ok"

section "8. Custody steps (to come)"
# ---- LATER CUSTODY STEPS GO HERE, as the tools land (see the issues): ----
#   custos-key     create the custodian's and the witness's signing keys
#   custos-ledger  append the signed acquisition entry (it references the
#                  record's SHA-256 printed in step 5), then verify the ledger
#   custos-seal    seal the image, its record and the ledger into a package
#   custos-verify  re-check the sealed package as the legal team would
#   custos-dispose destroy the working copy and certify the destruction
# Each step must check its result with an independent tool, as steps 6-7 do.
echo "not yet: signing keys, the custody ledger, sealing, verification and"
echo "disposal arrive with custos-key, custos-ledger, custos-seal, custos-verify"
echo "and custos-dispose. The acquisition record is not signed yet."

section "Done"
echo "everything checked out; the outputs are in $out"
