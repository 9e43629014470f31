#!/bin/sh
# demo-dispose.sh [DIR]: the disposal part of the custos demo, ending with a
# verified destruction proof. Alice (custodian) hands two disks of case
# IR-2026-0117 to Vera Shred Ltd.; Olaf destroys them, Sam verifies, Wendy
# (an independent auditor) witnesses; Alice verifies the signed bundle,
# closes custody in the ledger and prints the certificate. Every result is
# checked with an independent tool (sha256sum, openssl, pdftoppm).
#
# Keys are made with throw-away passphrases written next to them: a demo, not
# a way to keep real keys. Needs the custos tools on PATH and ImageMagick's
# convert (for the photos).
set -eu
dir=${1:-samples/out-dispose}
mkdir -p "$dir"; cd "$dir"
[ -e case.ledger ] && { echo "demo-dispose: $dir/case.ledger exists" >&2; exit 6; }
section() { printf '\n== %s ==\n' "$1"; }
fail() { echo "demo-dispose: FAILED: $1" >&2; exit 1; }
t() { printf '2026-11-20T%s:00Z' "$1"; }
key() { printf 'demo passphrase for %s\n' "$1" > "$1.pass"
  custos-key generate -q --name "$2" --role "$3" -o "$1.key" --passphrase-file "$1.pass"; }

section "1. People and the case ledger"
key alice "Alice Chen" custodian; key vera "Vera Lin (Vera Shred Ltd.)" vendor
key olaf "Olaf Wu (Vera Shred Ltd.)" vendor; key sam "Sam Ho (Vera Shred Ltd.)" vendor
key wendy "Wendy Tsai (Audit Co.)" witness
L="-q -l case.ledger"
custos-ledger open $L --key alice.key --passphrase-file alice.pass --time "$(t 09:00)" \
  --case IR-2026-0117 --level 3 --authorisation "CISO approval 2026/117"
i=0
for p in vera olaf sam wendy; do
  i=$((i + 1))
  custos-ledger add --yes enroll $L --time "$(t 09:0$i)" --sign subject=$p.key --sign approver=alice.key \
    --passphrase-file $p.pass --passphrase-file alice.pass --organisation "as named"
done
custos-ledger add --yes collect $L --time "$(t 09:10)" --sign custodian=alice.key --passphrase-file alice.pass \
  --item EV-01 --description "USB stick of the incident" --make SanDisk --model "Ultra" --serial 4C530001
custos-ledger add --yes collect $L --time "$(t 09:11)" --sign custodian=alice.key --passphrase-file alice.pass \
  --item EV-02 --description "laptop disk" --make Seagate --model "ST1000LM" --serial ZDE1X0
custos-ledger add --yes seal $L --time "$(t 09:20)" --sign custodian=alice.key --sign witness=wendy.key \
  --passphrase-file alice.pass --passphrase-file wendy.pass --item EV-02 --seal TE-000731 \
  --sha256 "$(printf 'EV-02 package' | sha256sum | cut -d' ' -f1)"
echo "case.ledger: $(wc -l < case.ledger) entries"

section "2. The disposal order (owner)"
custos-dispose order --yes -l case.ledger --order-id DO-0117-1 --item EV-01 --item EV-02 \
  --media-type EV-01=usb --media-type EV-02=hdd --vendor-organisation "Vera Shred Ltd." \
  --sign releaser=alice.key --party receiver=vera.key.pub --passphrase-file alice.pass \
  --time "$(t 10:00)" -o DO-0117-1.json

section "3. Destruction and the signed proof (vendor)"
mkdir evidence
for p in ev01-before ev01-after ev02-before ev02-after; do
  convert -size 320x240 "xc:#$(printf '%s' "$p" | sha256sum | cut -c1-6)" -gravity center \
    -pointsize 28 -annotate 0 "$p" "evidence/$p.jpg" 2> /dev/null ||
    convert -size 320x240 "xc:#$(printf '%s' "$p" | sha256sum | cut -c1-6)" "evidence/$p.jpg"
done
printf 'nwipe 0.34: /dev/sdb ZDE1X0 zero 1 round, verify last: Erased\n' > evidence/ev02-wipe.log
cat > evidence/draft.json <<'JSON'
{"certificate_id": "VS-2026-0917",
 "contract": "PO 2026-4411",
 "owner": {"name": "Example Corp", "address": "12F, Taipei HQ", "contact": "Alice Chen"},
 "vendor": {"name": "Vera Shred Ltd.", "address": "Keelung plant 3",
            "certifications": [{"scheme": "NAID AAA", "id": "N-88231", "expires": "2027-06-30"}]},
 "attestation": "Vera Shred Ltd. certifies that the media listed below were destroyed or sanitised as described, that no copy of their data was kept, and accepts responsibility for them from receipt to destruction.",
 "custody": {"received_by": "Vera Lin", "received_at": "2026-11-20T10:30:00Z", "carrier": "own van, sealed bag B-42"},
 "items": [
  {"id": "EV-01", "make": "SanDisk", "model": "Ultra", "serial": "4C530001", "capacity": "32 GB",
   "media_type": "usb", "category": "destroy", "method": "disintegrate",
   "method_details": "disintegrator, 2 mm particles", "standard": "DIN 66399", "level": "E-5",
   "tool": "HSM Powerline FA 500.3", "verification": "visual", "result": "destroyed",
   "time": "2026-11-21T08:10:00Z", "location": "Keelung plant 3", "destination": "metal recycler"},
  {"id": "EV-02", "make": "Seagate", "model": "ST1000LM", "serial": "ZDE1X0", "capacity": "1 TB",
   "media_type": "hdd", "seals": ["TE-000731"], "category": "destroy", "method": "shred",
   "method_details": "wiped once with nwipe, then shredded to 20 mm", "standard": "DIN 66399",
   "level": "H-4", "tool": "HSM Powerline FA 500.3", "verification": "visual",
   "result": "destroyed", "time": "2026-11-21T08:30:00Z", "location": "Keelung plant 3",
   "destination": "metal recycler"}],
 "people": {"performer": {"title": "operator"}, "verifier": {"title": "shift supervisor"},
            "witness": {"title": "auditor", "organisation": "Audit Co."}},
 "attachments": [
  {"file": "ev01-before.jpg", "kind": "photo_before", "items": ["EV-01"], "description": "serial label"},
  {"file": "ev01-after.jpg", "kind": "photo_after", "items": ["EV-01"], "description": "particles"},
  {"file": "ev02-before.jpg", "kind": "photo_before", "items": ["EV-02"], "description": "seal TE-000731 intact"},
  {"file": "ev02-after.jpg", "kind": "photo_after", "items": ["EV-02"], "description": "shreds"},
  {"file": "ev02-wipe.log", "kind": "wipe_log", "items": ["EV-02"]}]}
JSON
custos-dispose certify --yes --order DO-0117-1.json --draft evidence/draft.json \
  --sign performer=olaf.key --sign verifier=sam.key --sign witness=wendy.key \
  --passphrase-file olaf.pass --passphrase-file sam.pass --passphrase-file wendy.pass \
  -o VS-2026-0917.tar

section "4. Independent checks (sha256sum, openssl)"
mkdir check && tar -xf VS-2026-0917.tar -C check
(cd check && sha256sum --quiet -c manifest.sha256) || fail "manifest"
P=application/vnd.custos.destruction-proof.v1
{ printf 'DSSEv1 %d %s %d ' "${#P}" "$P" "$(wc -c < check/manifest.sha256)"; cat check/manifest.sha256; } > check/msg
for r in performer:olaf verifier:sam witness:wendy; do
  sed -n 's/^signature: //p' "check/signatures/${r%%:*}.sig" | base64 -d > check/sig
  openssl pkeyutl -verify -rawin -pubin -inkey "${r#*:}.key.pub" -in check/msg -sigfile check/sig \
    > /dev/null || fail "${r%%:*} signature"
  echo "${r%%:*}: signature verified by openssl"
done

section "5. Verification by the owner, and custody closed"
custos-dispose verify VS-2026-0917.tar --yes --order DO-0117-1.json --require before,after \
  -l case.ledger --sign custodian=alice.key --passphrase-file alice.pass
grep -c '"action":"dispose"' case.ledger | grep -qx 2 || fail "dispose entries"

section "6. The printable certificate"
custos-dispose render VS-2026-0917.tar -o VS-2026-0917.html
custos-dispose render VS-2026-0917.tar -o VS-2026-0917.pdf
# the same labelled in one language: Traditional Chinese, English
custos-dispose render VS-2026-0917.tar --lang zh-TW -o VS-2026-0917.zh-TW.pdf
custos-dispose render VS-2026-0917.tar --lang en -o VS-2026-0917.en.pdf
if command -v pdftoppm > /dev/null; then
  pdftoppm -r 80 -png VS-2026-0917.pdf VS-2026-0917-page
  echo "pages rendered: $(ls VS-2026-0917-page-*.png | wc -l)"
fi
section "Done"
echo "a verified destruction proof: $dir/VS-2026-0917.tar"
echo "bundle sha256 $(sha256sum check/manifest.sha256 | cut -d' ' -f1)"
