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

section "7b. Verify a backup of the evidence (custos-verify)"
# The acquisition verified against its record (every chunk, the stored
# digests, SHA-256 computed independently), then a tar.zst backup of the
# files inside the medium verified against a custos-hash manifest, then the
# same backup with one byte damaged: the damage is found and classified.
custos-verify -q -r "$rec" >"$out/verify-e01.txt" || fail "custos-verify of the E01 against its record"
tail -n 1 "$out/verify-e01.txt"
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
