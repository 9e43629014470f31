#!/bin/sh
# Builds samples/usb-stick.img.gz, the demo's sample medium: a 4 MiB FAT12
# "USB stick" with a few small files and one deleted file, made without
# mounting (mkfs.fat and mtools). Every value that would otherwise be random
# or taken from the clock is fixed (volume id, mkfs --invariant, file times
# through TZ=UTC and mcopy -m, gzip -n), so the same Debian 12 tools give the
# same bytes. Beside OUTPUT.img.gz it writes OUTPUT.img.sha256, the SHA-256 of
# the uncompressed medium (what custos-acquire reports for it).
#
# usage: sh samples/make-sample-medium.sh [OUTPUT.img.gz]   (default samples/usb-stick.img.gz)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/usb-stick.img.gz}
export TZ=UTC MTOOLS_SKIP_CHECK=1 LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
t=$work/tree
mkdir -p "$t/DCIM/100PHOTO" "$t/docs"

cat >"$t/docs/incident-notes.txt" <<'TXT'
Incident IR-2026-0117 - workstation FIN-WS-07
2026-11-02 08:40  user reports pop-up demanding payment
2026-11-02 08:55  network cable pulled by IT on-call
2026-11-02 09:10  this stick found in the front USB port
TXT
cat >"$t/docs/contacts.csv" <<'TXT'
name,role,phone
A. Lin,IT on-call,+886-2-5550-0101
B. Wu,security officer,+886-2-5550-0102
TXT
cat >"$t/Quarterly Report 2026.txt" <<'TXT'
Quarterly report, draft 3. Figures to be confirmed by finance.
TXT
cat >"$t/docs/transfer-list.txt" <<'TXT'
files copied out on 2026-11-01:
  payroll-2026-10.xlsx
  vendor-contracts.zip
TXT
# A 16x16 24-bit BMP with a fixed gradient: an "image-like" file that file(1)
# and image viewers recognise.
awk 'function le(v, n,  i) { for (i = 0; i < n; i++) { printf "%c", v % 256; v = int(v / 256) } }
     BEGIN { w = 16; h = 16; row = w * 3; size = 54 + row * h
             printf "BM"; le(size, 4); le(0, 4); le(54, 4)
             le(40, 4); le(w, 4); le(h, 4); le(1, 2); le(24, 2); le(0, 4); le(row * h, 4)
             le(2835, 4); le(2835, 4); le(0, 4); le(0, 4)
             for (y = 0; y < h; y++) for (x = 0; x < w; x++) { le(x * 16, 1); le(y * 16, 1); le(128, 1) } }' \
    >"$t/DCIM/100PHOTO/IMG_0001.BMP"

# Fixed times, oldest first: the stick's files were written on 2026-10-30 to 2026-11-01.
touch -d '2026-10-30 14:02:10' "$t/Quarterly Report 2026.txt"
touch -d '2026-10-31 09:15:42' "$t/DCIM/100PHOTO/IMG_0001.BMP"
touch -d '2026-11-01 17:48:06' "$t/docs/transfer-list.txt"
touch -d '2026-11-02 09:05:00' "$t/docs/incident-notes.txt" "$t/docs/contacts.csv"
touch -d '2026-10-30 14:00:00' "$t/DCIM/100PHOTO" "$t/DCIM" "$t/docs"

img=$work/usb-stick.img
mkfs.fat -C --invariant -i 1A2B3C4D -n EVIDENCE-01 -F 12 "$img" 4096 >/dev/null
mcopy -s -m -i "$img" "$t/DCIM" "$t/docs" "$t/Quarterly Report 2026.txt" ::/
# A deleted file: its directory entry and data stay on the medium (fls shows it).
mdel -i "$img" ::/docs/transfer-list.txt
gzip -n -9 -c "$img" >"$out.tmp"
mv "$out.tmp" "$out"
name=$(basename "${out%.gz}")
(cd "$work" && { [ "$name" = usb-stick.img ] || mv usb-stick.img "$name"; } && sha256sum "$name") >"${out%.gz}.sha256"
cat "${out%.gz}.sha256"
