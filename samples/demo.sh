#!/bin/sh
# samples/demo.sh: the README's first command. On a fresh Debian 12 machine,
# as root: installs what is missing, builds custos in build/ (only configures
# it the first time), then runs the custody workflow on the sample medium
# samples/usb-stick.img.gz in a fresh directory samples/out/TIMESTAMP/:
#
#   1. signing keys for the custodian and the witness (custos-key), and the
#      case ledger: open the case, enrol the witness, collect the medium
#      (custos-ledger);
#   2. acquire the medium to E01 with case metadata and an authorisation
#      reference, appending the signed `acquire` entry (custos-acquire), and
#      show its summary and record;
#   3. check the result with tools that are not custos: ewfverify, ewfinfo,
#      fls (The Sleuth Kit) and sha256sum;
#   4. convert the E01 back to raw (custos-acquire, and ewfexport as the
#      independent converter) and compare SHA-256 with the original medium;
#   5. hash every file inside the E01 (custos-hash --image), signed and
#      recorded in the ledger, checked against icat | sha256sum;
#   6. verify the ledger and write a checkpoint the witness cosigns;
#   7. seal the evidence into a signed BagIt package recorded in the ledger
#      (custos-seal), checked with tar, sha256sum and openssl;
#   8. verify the image against its record, recorded in the ledger, and a
#      backup (full, sampled, and one with a damaged byte) (custos-verify);
#   9. hand the medium to a destruction vendor, wipe the working copy, and
#      certify, verify and print the destruction proof (custos-dispose);
#  10. show the custody history and export the custody report and the
#      verification kit (custos-ledger);
#  11. the incident-site scenario in 6 commands, as a script runs it (--yes,
#      --passphrase-file): open a new case, enrol the witness and the lab's
#      receiver, collect and image the medium in one run (signed record),
#      seal it, transfer it to the lab, and the legal team's audit.
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
# indented CMD...: runs CMD with its output indented, and keeps CMD's exit status.
indented() {
  "$@" >"$out/.step.txt" 2>&1
  rc=$?
  sed 's/^/  /' "$out/.step.txt"
  return $rc
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

section "4. Keys and the case ledger (custos-key, custos-ledger)"
# Throw-away passphrases in files, for a demo; real keys are asked for on
# the terminal.
mkdir "$out/keys"
ledger=$out/case.ledger
printf 'demo passphrase of the custodian\n' >"$out/keys/custodian.pass"
printf 'demo passphrase of the witness\n' >"$out/keys/witness.pass"
custos-key generate -q --name "Demo Custodian" --role custodian \
  -o "$out/keys/custodian.key" --passphrase-file "$out/keys/custodian.pass" || fail "custos-key generate"
custos-key generate -q --name "Demo Witness" --role witness \
  -o "$out/keys/witness.key" --passphrase-file "$out/keys/witness.pass" || fail "custos-key generate"
custos-key show "$out/keys/custodian.key.pub" | sed 's/^/  /'
custos-key show "$out/keys/witness.key.pub" | sed 's/^/  /'
# The custodian's key first, then the witness's: the passphrase files follow.
both="--passphrase-file $out/keys/custodian.pass --passphrase-file $out/keys/witness.pass"
custos-ledger open -l "$ledger" --key "$out/keys/custodian.key" \
  --passphrase-file "$out/keys/custodian.pass" --case IR-2026-0117 --level 3 \
  --authorisation "IR-2026-0117/APPROVAL-03 (CISO written approval)" || fail "custos-ledger open"
# shellcheck disable=SC2086
custos-ledger add --yes enroll -l "$ledger" --sign approver="$out/keys/custodian.key" \
  --sign subject="$out/keys/witness.key" $both || fail "custos-ledger add enroll"
# shellcheck disable=SC2086
custos-ledger add --yes collect -l "$ledger" --sign custodian="$out/keys/custodian.key" \
  --sign witness="$out/keys/witness.key" $both --item EV-01 \
  --description "USB stick found in workstation FIN-WS-07" --location "FIN-WS-07, 3F" ||
  fail "custos-ledger add collect"

section "5. Acquire it to E01 (custos-acquire), recorded in the ledger"
mkdir "$out/evidence"
# The case number, authorisation and description come from the ledger (its
# open and collect entries): each fact is typed once. --yes: the demo has no
# witness at the keyboard to confirm the entry shown before signing.
set -- custos-acquire --yes --item EV-01 \
  --examiner "Demo Custodian" \
  --notes "demo run of samples/demo.sh" \
  --ledger "$ledger" --key "$out/keys/custodian.key" --sign witness="$out/keys/witness.key" \
  --passphrase-file "$out/keys/custodian.pass" --passphrase-file "$out/keys/witness.pass" \
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

section "6. The acquisition record ($rec)"
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
rec_sha256=$(sha256sum "$rec" | cut -d' ' -f1)
echo "record SHA-256: $rec_sha256"
entry=$(tail -n 1 "$ledger" | cut -f1)
[ "$(printf '%s' "$entry" | python3 -c 'import json,sys; e=json.load(sys.stdin); print(e["action"], e["record_sha256"])')" = "acquire $rec_sha256" ] ||
  fail "the ledger's acquire entry does not name the record's SHA-256"
echo "ledger entry $(printf '%s' "$entry" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])') (acquire) names that SHA-256: ok"
echo "full record: python3 -m json.tool $rec"

section "7. Independent check: ewfverify, ewfinfo, fls, sha256sum"
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

section "8. Convert the E01 back to raw and compare"
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

section "9. The files inside the E01 (custos-hash --image), signed and recorded"
# shellcheck disable=SC2086
custos-hash -q --yes --image "$e01" -d sha256 --key "$out/keys/custodian.key" \
  --ledger "$ledger" --item EV-01 --sign witness="$out/keys/witness.key" $both \
  -o "$out/evidence/usb-stick.files.json" || fail "custos-hash --image"
python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
for e in m["entries"]:
    if e.get("type") == "file":
        print("  %-8s %-40s %s" % ("" if e.get("allocated") else "deleted", e.get("path"), e.get("sha256", "-")[:16]))' \
  "$out/evidence/usb-stick.files.json" || fail "cannot read the manifest"
# Every allocated file's SHA-256 again with The Sleuth Kit alone.
python3 -c 'import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    if e.get("type") == "file" and e.get("allocated") and "sha256" in e:
        print(e["inode"], e["sha256"], e["fs_offset"] // 512)' \
  "$out/evidence/usb-stick.files.json" >"$out/files.txt"
[ -s "$out/files.txt" ] || fail "the manifest lists no files"
while read -r inode sha off; do
  got=$(icat -o "$off" "$e01" "$inode" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$sha" ] || fail "icat | sha256sum of inode $inode differs from the manifest"
done <"$out/files.txt"
echo "icat | sha256sum of each of the $(wc -l <"$out/files.txt") files = the manifest: ok"
indented custos-hash -q --audit "$out/evidence/usb-stick.files.json" \
  --signer "$out/keys/custodian.key.pub" --image "$e01" ||
  fail "the audit of the E01 against its signed manifest"

section "10. Verify the ledger; a checkpoint cosigned by the witness"
indented custos-ledger verify -l "$ledger" || fail "custos-ledger verify"
custos-ledger checkpoint -q -l "$ledger" --key "$out/keys/custodian.key" \
  --passphrase-file "$out/keys/custodian.pass" -o "$out/checkpoint.note" || fail "checkpoint"
custos-ledger cosign -q "$out/checkpoint.note" -l "$ledger" --key "$out/keys/witness.key" \
  --passphrase-file "$out/keys/witness.pass" -o "$out/checkpoint.cosigned.note" || fail "cosign"
sed 's/^/  /' "$out/checkpoint.cosigned.note"
custos-ledger verify -q -l "$ledger" --checkpoint "$out/checkpoint.cosigned.note" ||
  fail "the ledger does not match its checkpoint"
echo "the ledger holds exactly what the cosigned checkpoint commits to: ok"

section "11. Seal the evidence (custos-seal), recorded in the ledger"
mkdir "$out/sealed"
S=$root/$out/sealed
# shellcheck disable=SC2086
custos-seal create -q --yes --key "$out/keys/custodian.key" --sign witness="$out/keys/witness.key" $both \
  --case IR-2026-0117 --evidence EV-01 --seal TE-000117 \
  --authorisation "IR-2026-0117/APPROVAL-03 (CISO written approval)" \
  --organization "Demo Corp" --description "USB stick EV-01: E01 image, record, file manifest" \
  --ledger "$ledger" -o "$out/sealed/EV-01.tar" "$out/evidence" || fail "custos-seal create"
indented custos-seal verify "$out/sealed/EV-01.tar" --trust "$out/keys/custodian.key.pub" \
  --trust "$out/keys/witness.key.pub" || fail "custos-seal verify"
# Independent checks (docs/formats/package.md): tar, sha256sum, openssl.
mkdir "$out/sealed/unpacked"
tar -xf "$out/sealed/EV-01.tar" -C "$out/sealed/unpacked" || fail "tar -x"
(
  cd "$out/sealed/unpacked/EV-01" &&
  sha256sum -c --strict --quiet tagmanifest-sha256.txt &&
  sha256sum -c --strict --quiet manifest-sha256.txt &&
  fp=$(openssl pkey -pubin -in "$root/$out/keys/custodian.key.pub" -outform DER | sha256sum | cut -d' ' -f1) &&
  grep -qx "Custos-Signer: custodian $fp" bag-info.txt &&
  P=application/vnd.custos.seal.v1 &&
  { printf 'DSSEv1 %d %s %d ' ${#P} "$P" "$(wc -c <tagmanifest-sha256.txt)"; cat tagmanifest-sha256.txt; } >"$S/signed" &&
  sed -n 's/^signature: //p' "custos-seal/$(echo "$fp" | cut -c1-16).sig" | base64 -d >"$S/sig.bin" &&
  openssl pkeyutl -verify -rawin -pubin -inkey "$root/$out/keys/custodian.key.pub" -in "$S/signed" \
    -sigfile "$S/sig.bin" >/dev/null
) || fail "the sealed package does not check out with sha256sum and openssl"
echo "sha256sum -c of both BagIt manifests and openssl pkeyutl -verify of the custodian's seal signature: ok"
tm=$(sha256sum "$out/sealed/unpacked/EV-01/tagmanifest-sha256.txt" | cut -d' ' -f1)
tail -n 1 "$ledger" | grep -q "\"sha256\":\"$tm\"" || fail "the ledger's seal entry does not name the tag manifest"
echo "the ledger's seal entry records the tag manifest's SHA-256: ok"

section "12. Verify the evidence and a backup (custos-verify), recorded in the ledger"
# The acquisition verified against its record (every chunk, the E01's stored
# digests, and with --digests all MD5, SHA-1 and SHA-256 all recomputed, as a
# first check cited later should), then a tar.zst backup of the files inside
# the medium verified against a custos-hash manifest (by SHA-256, the
# default), then the same backup with one byte damaged: the damage is found
# and classified.
custos-verify -q --digests all -r "$rec" --ledger "$ledger" --key "$out/keys/custodian.key" \
  --passphrase-file "$out/keys/custodian.pass" --item EV-01 >"$out/verify-e01.txt" ||
  fail "custos-verify of the E01 against its record"
tail -n 1 "$out/verify-e01.txt"
tail -n 1 "$ledger" | grep -q '"action":"verify".*"result":"match"' ||
  fail "the ledger has no verify entry with result match"
echo "the ledger's verify entry says match: ok"
# A scheduled spot check: a repeatable 10% sample of a backup copy of the image.
mkdir "$out/backup-e01" && cp "$out"/evidence/usb-stick.E0* "$out/backup-e01/" ||
  fail "cannot copy the image to the backup"
custos-verify -q --level sample --sample 10% --seed 42 -r "$rec" "$out/backup-e01" >"$out/verify-sample.txt" ||
  fail "custos-verify --sample of the backup"
tail -n 1 "$out/verify-sample.txt"
mkdir -p "$out/backup/files"
for f in docs/incident-notes.txt docs/contacts.csv "Quarterly Report 2026.txt"; do
  icat_addr=$(fls -r -p "$out/usb-stick.img" | awk -v f="$f" -F'\t' '$2 == f {a = $1; sub(/^[^ ]* /, "", a); sub(/:.*/, "", a); print a}' | head -n 1)
  [ -n "$icat_addr" ] || fail "fls does not list $f"
  mkdir -p "$out/backup/files/$(dirname "$f")"
  icat "$out/usb-stick.img" "$icat_addr" >"$out/backup/files/$f"
done
custos-hash -q -o "$out/backup/files.manifest.json" "$out/backup/files" >/dev/null
(cd "$out/backup" && tar --zstd -cf files.tar.zst files)
custos-verify -q -r "$out/backup/files.manifest.json" "$out/backup/files.tar.zst" >"$out/verify-backup.txt" ||
  fail "custos-verify of the backup"
tail -n 1 "$out/verify-backup.txt"
printf 'X' | dd of="$out/backup/files/docs/contacts.csv" bs=1 seek=3 conv=notrunc status=none
(cd "$out/backup" && tar --zstd -cf damaged.tar.zst files)
rc=0
custos-verify -q -r "$out/backup/files.manifest.json" "$out/backup/damaged.tar.zst" >"$out/verify-damaged.txt" 2>&1 || rc=$?
grep "^changed" "$out/verify-damaged.txt" | cut -c1-60
[ "$rc" -eq 1 ] && grep -q "^changed .*docs/contacts.csv" "$out/verify-damaged.txt" ||
  fail "custos-verify did not report the damaged backup (exit $rc)"
echo "a damaged backup is found: exit 1, docs/contacts.csv changed: ok"


section "13. Destruction of the medium, certified (custos-dispose)"
# The vendor's people: the company that receives the medium, the operator
# who destroys it, a supervisor who checks it, and the auditor who watches.
for who in vendor:vendor:"Demo Shred Ltd." operator:vendor:"Demo Operator" \
           supervisor:vendor:"Demo Supervisor" auditor:witness:"Demo Auditor"; do
  k=${who%%:*}; r=${who#*:}; r=${r%%:*}
  printf 'demo passphrase of %s\n' "$k" >"$out/keys/$k.pass"
  custos-key generate -q --name "${who##*:}" --role "$r" -o "$out/keys/$k.key" \
    --passphrase-file "$out/keys/$k.pass" || fail "custos-key generate $k"
  custos-ledger add --yes enroll -q -l "$ledger" --sign subject="$out/keys/$k.key" \
    --sign approver="$out/keys/custodian.key" --passphrase-file "$out/keys/$k.pass" \
    --passphrase-file "$out/keys/custodian.pass" --organisation "Demo Shred Ltd." ||
    fail "custos-ledger add enroll $k"
done
custos-dispose order -q --yes -l "$ledger" --order-id DO-0117-1 --item EV-01 --media-type EV-01=usb \
  --vendor-organisation "Demo Shred Ltd." --sign releaser="$out/keys/custodian.key" \
  --sign receiver="$out/keys/vendor.key" --passphrase-file "$out/keys/custodian.pass" \
  --passphrase-file "$out/keys/vendor.pass" -o "$out/order.json" || fail "custos-dispose order"
echo "order DO-0117-1 written and the transfer to the vendor recorded"
# The vendor's working copy of the image is wiped and the wipe verified.
custos-dispose wipe -q --confirm "$out/copy/usb-stick.raw" --key "$out/keys/operator.key" \
  --passphrase-file "$out/keys/operator.pass" --log "$out/wipe-log.json" \
  "$out/copy/usb-stick.raw" || fail "custos-dispose wipe"
cmp -s -n "$(stat -c %s "$out/copy/usb-stick.raw")" "$out/copy/usb-stick.raw" /dev/zero ||
  fail "the wiped copy is not all zeros"
echo "the working copy is all zeros (cmp against /dev/zero): ok"
convert -size 320x240 xc:gray80 -fill black -draw "rectangle 100,60 220,180" \
  "$out/photo-before.png" && convert -size 320x240 xc:gray80 -fill black \
  -draw "point 160,120" "$out/photo-after.jpg" || fail "cannot draw the demo photos"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$out/draft.json" <<JSON
{"certificate_id": "DS-2026-0117", "contract": "PO 2026-88",
 "owner": {"name": "Demo Corp", "address": "Taipei"},
 "vendor": {"name": "Demo Shred Ltd.", "address": "Keelung",
            "certifications": [{"scheme": "NAID AAA", "id": "N-0001", "expires": "2027-12-31"}]},
 "attestation": "We certify that the media listed were destroyed as described.",
 "custody": {"received_by": "Demo Shred Ltd.", "received_at": "$now"},
 "items": [
  {"id": "EV-01", "serial": "4C530001", "media_type": "usb", "seals": ["TE-000117"],
   "category": "destroy", "method": "shred", "method_details": "2 mm particles",
   "standard": "DIN 66399", "level": "H-5", "tool": "demo shredder", "tool_version": "1",
   "verification": "visual", "result": "destroyed", "time": "$now",
   "location": "Keelung plant", "destination": "recycler"}],
 "people": {"performer": {"title": "operator"}, "verifier": {"title": "supervisor"},
            "witness": {"title": "auditor"}},
 "attachments": [
  {"file": "photo-before.png", "kind": "photo_before", "items": ["EV-01"]},
  {"file": "photo-after.jpg", "kind": "photo_after", "items": ["EV-01"]},
  {"file": "wipe-log.json", "kind": "report", "items": ["EV-01"],
   "description": "wipe log of the working copy of the image (a file, not the device)"}]}
JSON
custos-dispose certify -q --yes --order "$out/order.json" --draft "$out/draft.json" \
  --sign performer="$out/keys/operator.key" --sign verifier="$out/keys/supervisor.key" \
  --sign witness="$out/keys/auditor.key" --passphrase-file "$out/keys/operator.pass" \
  --passphrase-file "$out/keys/supervisor.pass" --passphrase-file "$out/keys/auditor.pass" \
  -o "$out/destruction-proof.tar" || fail "custos-dispose certify"
indented custos-dispose verify --yes "$out/destruction-proof.tar" --order "$out/order.json" \
  --require before,after -l "$ledger" --sign custodian="$out/keys/custodian.key" \
  --passphrase-file "$out/keys/custodian.pass" || fail "custos-dispose verify"
# The vendor countersigns the dispose entry the owner recorded.
seq=$(tail -n 1 "$ledger" | cut -f1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
custos-ledger add --yes attest -q -l "$ledger" --sign attester="$out/keys/vendor.key" \
  --passphrase-file "$out/keys/vendor.pass" --target "$seq" || fail "the vendor's attest"
# The certificate on paper: bilingual labels (the default, as Taiwanese
# official forms print them), and one in each language.
custos-dispose render "$out/destruction-proof.tar" -o "$out/destruction-certificate.pdf" ||
  fail "custos-dispose render"
custos-dispose render --lang zh-TW "$out/destruction-proof.tar" \
  -o "$out/destruction-certificate.zh-TW.pdf" || fail "custos-dispose render --lang zh-TW"
custos-dispose render --lang en "$out/destruction-proof.tar" \
  -o "$out/destruction-certificate.en.pdf" || fail "custos-dispose render --lang en"
pdftoppm -r 50 -png -f 1 -l 1 "$out/destruction-certificate.pdf" "$out/certificate" ||
  fail "pdftoppm cannot render the certificate"
pdftotext "$out/destruction-certificate.zh-TW.pdf" - | grep -q "銷毀" ||
  fail "the zh-TW certificate has no Chinese text (pdftotext)"
pdftotext "$out/destruction-certificate.en.pdf" - | grep -q "DS-2026-0117" ||
  fail "the English certificate lacks its id (pdftotext)"
echo "certificate: $out/destruction-certificate{,.zh-TW,.en}.pdf (pdftoppm, pdftotext: ok)"

section "14. The custody history, verified"
indented custos-ledger show -l "$ledger" || fail "custos-ledger show"
indented custos-ledger verify -l "$ledger" || fail "custos-ledger verify"
custos-ledger export -q -l "$ledger" -o "$out/custody-report" || fail "custos-ledger export"
echo "custody report, CASE/UCO JSON-LD and verification kit: $out/custody-report/"
# The paper forms: the chain-of-custody form and the evidence-bag label of
# EV-01, in Traditional Chinese and in English.
for lang in zh-TW en; do
  custos-ledger form -q -l "$ledger" --lang $lang -o "$out/custody-form.$lang.pdf" ||
    fail "custos-ledger form --lang $lang"
  custos-ledger label -q -l "$ledger" --item EV-01 --lang $lang -o "$out/bag-label.$lang.pdf" ||
    fail "custos-ledger label --lang $lang"
  pdftotext "$out/custody-form.$lang.pdf" - | grep -q "EV-01" ||
    fail "the $lang custody form does not name EV-01 (pdftotext)"
done
pdftotext "$out/custody-form.zh-TW.pdf" - | grep -q "證物保管鏈紀錄表" ||
  fail "the zh-TW custody form has no Chinese title (pdftotext)"
pdftoppm -r 72 -png "$out/bag-label.zh-TW.pdf" "$out/bag-label" &&
  zbarimg -q --raw "$out"/bag-label-1.png | grep -q "EV-01" ||
  fail "the bag label's QR code does not decode to EV-01 (zbarimg)"
echo "custody forms and bag labels (zh-TW, en): $out/custody-form.*.pdf $out/bag-label.*.pdf"

section "15. The incident site in 6 commands: open, enrol, collect + acquire, seal, transfer, audit"
# Keys are made beforehand (the lab's receiver's here; not counted). A person
# at a terminal leaves out --yes and the passphrase files: each is then shown
# every entry and types their passphrase once per step (tests/e2e/incident-site.sh).
K=$out/keys
printf 'demo passphrase of the lab\n' >"$K/lab.pass"
custos-key generate -q --name "Demo Lab Receiver" --role custodian -o "$K/lab.key" \
  --passphrase-file "$K/lab.pass" || fail "custos-key generate (the lab's receiver)"
I=$out/incident
mkdir -p "$I/EV-02"
IL=$I/case.ledger
cust="--passphrase-file $K/custodian.pass"
wit="--passphrase-file $K/witness.pass"
custos-ledger open -l "$IL" --key "$K/custodian.key" $cust --case IR-2026-0118 --level 3 \
  --authorisation "IR-2026-0118/APPROVAL-01" || fail "1/6 custos-ledger open"
# shellcheck disable=SC2086
custos-ledger add --yes enroll -l "$IL" --sign subject="$K/witness.key" --sign subject="$K/lab.key" \
  --sign approver="$K/custodian.key" $wit --passphrase-file "$K/lab.pass" $cust ||
  fail "2/6 custos-ledger add enroll (witness and lab)"
# shellcheck disable=SC2086
custos-acquire -q --yes -l "$IL" --key "$K/custodian.key" --sign witness="$K/witness.key" $cust $wit \
  --item EV-02 --collect --description "USB stick found at the incident site" \
  "$out/usb-stick.img" -o "$I/EV-02/usb-stick.E01" || fail "3/6 custos-acquire --collect"
# shellcheck disable=SC2086
custos-seal create -q --yes -l "$IL" --key "$K/custodian.key" --sign witness="$K/witness.key" $cust $wit \
  --evidence EV-02 --seal TE-000118 -o "$I/EV-02.tar" "$I/EV-02" || fail "4/6 custos-seal create"
# shellcheck disable=SC2086
custos-ledger add --yes transfer -l "$IL" --sign releaser="$K/custodian.key" --sign receiver="$K/lab.key" \
  $cust --passphrase-file "$K/lab.pass" --item EV-02 --reason "to the forensic lab" \
  --seal-checked "TE-000118 intact" || fail "5/6 custos-ledger add transfer"
indented custos-ledger audit -l "$IL" || fail "6/6 custos-ledger audit"
grep -q "signature .*OK" "$out/.step.txt" || fail "the audit did not check the record's signature"
echo "6 commands; the record's signature checked by the audit: ok"

section "Done"
echo "everything checked out; the outputs are in $out"
