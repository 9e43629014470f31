#!/bin/sh
# custos-dispose end to end: an owner hands two disks to a vendor (order and
# ledger transfers), the vendor certifies with real photos and a wipe log,
# signed by performer, verifier and witness; the owner verifies, closes
# custody in the ledger and renders HTML and PDF (checked with pdftoppm,
# pdftotext and, when present, zbarimg). Then one row per way to tamper.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d); trap 'tsa_stop 2> /dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { # DESC WANT-EXIT GOT-EXIT
  if [ "$2" -eq "$3" ]; then pass "$1"; else fail "$1 (exit $3, want $2)"; cat err 2>/dev/null | sed 's/^/#   /'; fi
}

for who in alice:custodian:Alice vera:vendor:Vera olaf:vendor:Olaf sam:vendor:Sam \
           wendy:witness:Wendy mallory:vendor:Mallory; do
  k=${who%%:*}; r=${who#*:}; r=${r%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "${who##*:}" --role "$r" -o "$k.key" --passphrase-file "$k.pass"
done
t() { printf '2026-11-20T%s:00Z' "$1"; }
L="-q -l case.ledger"
custos-ledger open $L --time "$(t 09:00)" --key alice.key --passphrase-file alice.pass \
  --case IR-7 --level 3 --authorisation "CISO-117"
i=0
for p in vera olaf sam wendy; do
  i=$((i + 1))
  custos-ledger add --yes enroll $L --time "$(t 09:0$i)" --sign subject=$p.key --sign approver=alice.key \
    --passphrase-file $p.pass --passphrase-file alice.pass
done
j=0
for e in E-001:WD:Blue:WX11:SEAL-1 E-002:Samsung:870:S3XY:SEAL-2; do
  j=$((j + 1)); id=${e%%:*}; r=${e#*:}; mk=${r%%:*}; r=${r#*:}; md=${r%%:*}; r=${r#*:}; sn=${r%%:*}; seal=${r#*:}
  custos-ledger add --yes collect $L --time "$(t 10:${j}0)" --sign custodian=alice.key --passphrase-file alice.pass \
    --item "$id" --description "disk $id" --make "$mk" --model "$md" --serial "$sn"
  custos-ledger add --yes seal $L --time "$(t 10:${j}5)" --sign custodian=alice.key --sign witness=wendy.key \
    --passphrase-file alice.pass --passphrase-file wendy.pass --item "$id" --seal "$seal" \
    --sha256 "$(printf '%s' "$id" | sha256sum | cut -d' ' -f1)"
done

# 1. the order: two transfers to Vera, who attests later
custos-dispose order --yes -l case.ledger --order-id DO-7-1 --item E-001 --item E-002 \
  --media-type E-001=hdd --media-type E-002=ssd --vendor-organisation "Vera Shred Ltd." \
  --sign releaser=alice.key --party receiver=vera.key.pub --passphrase-file alice.pass \
  --time "$(t 11:00)" -o order.json > out 2> err
check "order writes the order and two transfers" 0 $?
grep -q '"action":"transfer".*"item":"E-002"' case.ledger && pass "the ledger holds the transfers" ||
  fail "the ledger holds the transfers"
# issue 13: nobody said the seals were checked, so the transfer says so
grep -q '"item":"E-001",.*"seal_checked":"SEAL-1: not checked"' case.ledger &&
  ! grep -q 'intact' case.ledger && pass "the transfer says the seal was not checked" ||
  fail "the transfer says the seal was not checked"
P=application/vnd.custos.disposal-order.v1
openssl pkey -in alice.key -passin file:alice.pass -pubout -out alice.pem 2>/dev/null
{ printf 'DSSEv1 %d %s %d ' "${#P}" "$P" "$(wc -c < order.json)"; cat order.json; } > order.msg
sed -n 's/^signature: //p' order.json.sig | base64 -d > order.bin
openssl pkeyutl -verify -rawin -pubin -inkey alice.pem -in order.msg -sigfile order.bin > /dev/null 2>&1 &&
  pass "openssl verifies the order signature" || fail "openssl verifies the order signature"

# issue 13: everything checkable is checked before any passphrase: a releaser
# whose key is not enrolled, with a passphrase file that does not exist,
# fails on the key, and neither the ledger nor an output changes
cp case.ledger before.ledger
custos-dispose order --yes -q -l case.ledger --order-id DO-7-2 --item E-001 --sign releaser=mallory.key \
  --party receiver=vera.key.pub --passphrase-file nonexistent -o order-m.json > out 2> err
check "order by an unenrolled releaser refuses before any passphrase" 6 $?
grep -q 'not enrolled' err && ! grep -q nonexistent err && cmp -s before.ledger case.ledger &&
  [ ! -e order-m.json ] && pass "the refusal names the key; nothing written" ||
  { fail "the refusal names the key; nothing written"; sed 's/^/#   /' err; }

# issue 14: the order names only who may sign a certificate (vendor people,
# witnesses) besides its owner, not every participant of the case
python3 -c 'import json,sys; o=json.load(open("order.json")); sys.exit(not (o["signers"] and all(s["role"] in ("vendor", "witness") for s in o["signers"])))' &&
  ! grep -A3 '"signers"' order.json | grep -q custodian &&
  pass "the order's signers are vendors and witnesses only" ||
  fail "the order's signers are vendors and witnesses only"

# the seal check as stated by the person who checked, in a second case
L2="-q -l case2.ledger"
custos-ledger open $L2 --time "$(t 09:00)" --key alice.key --passphrase-file alice.pass \
  --case IR-8 --level 3 --authorisation "CISO-118"
for p in vera wendy; do
  custos-ledger add enroll --yes $L2 --time "$(t 09:01)" --sign subject=$p.key --sign approver=alice.key \
    --passphrase-file $p.pass --passphrase-file alice.pass
done
custos-ledger add collect --yes $L2 --time "$(t 10:10)" --sign custodian=alice.key --passphrase-file alice.pass \
  --item E-101 --description "disk" --serial S-101
custos-ledger add seal --yes $L2 --time "$(t 10:15)" --sign custodian=alice.key --sign witness=wendy.key \
  --passphrase-file alice.pass --passphrase-file wendy.pass --item E-101 --seal TE-9 --sha256 "$(printf x | sha256sum | cut -d' ' -f1)"
custos-dispose order -q --yes -l case2.ledger --order-id DO-8-1 --item E-101 --sign releaser=alice.key \
  --party receiver=vera.key.pub --passphrase-file alice.pass --time "$(t 11:00)" \
  --seal-checked "intact, checked by Alice Chen at hand-over" -o order2.json 2> err
check "order with --seal-checked" 0 $?
grep -q '"seal_checked":"TE-9: intact, checked by Alice Chen at hand-over"' case2.ledger &&
  pass "the transfer carries the seal check as stated" || fail "the transfer carries the seal check as stated"

# 2. the vendor's evidence: real pictures and a wipe log
convert -size 64x48 xc:red photo-b1.png; convert -size 64x48 xc:blue photo-a1.jpg
convert -size 64x48 xc:green photo-b2.png; convert -size 64x48 xc:yellow photo-a2.jpg
convert -size 64x48 xc:purple other.png
printf 'wipe log: 1 pass zeros, verified\n' > wipe.log
printf 'not a picture\n' > fake.jpg
draft() { # OUT ITEM2-ID E1-TIME EXTRA-ITEM PHOTO-A1
  cat > "$1" <<JSON
{"certificate_id": "VS-2026-917",
 "contract": "PO 4411",
 "owner": {"name": "Example Corp", "address": "Taipei"},
 "vendor": {"name": "Vera Shred Ltd.", "address": "Keelung",
            "certifications": [{"scheme": "NAID AAA", "id": "N-1234", "expires": "2027-06-30"}]},
 "attestation": "We certify that the media listed were destroyed as described.",
 "custody": {"received_by": "Vera", "received_at": "2026-11-20T11:30:00Z"},
 "items": [
  {"id": "E-001", "make": "WD", "model": "Blue", "serial": "WX11", "capacity": "1 TB",
   "media_type": "hdd", "seals": ["SEAL-1"], "category": "destroy", "method": "shred",
   "method_details": "20 mm shredder", "standard": "DIN 66399", "level": "H-5",
   "tool": "HSM Powerline", "tool_version": "FA 500.3", "verification": "visual",
   "result": "destroyed", "time": "$3", "location": "Keelung plant", "destination": "recycler"},
  {"id": "$2", "make": "Samsung", "model": "870", "serial": "S3XY", "media_type": "ssd",
   "seals": ["SEAL-2"], "category": "purge", "method": "crypto_erase", "standard": "NIST SP 800-88r1",
   "tool": "nvme-cli", "tool_version": "2.3", "verification": "full", "result": "sanitized",
   "time": "2026-11-21T09:00:00Z", "location": "Keelung plant", "destination": "owner"}$4
 ],
 "people": {"performer": {"title": "operator"}, "verifier": {"title": "supervisor"},
            "witness": {"title": "auditor"}},
 "attachments": [
  {"file": "photo-b1.png", "kind": "photo_before", "items": ["E-001"]},
  {"file": "$5", "kind": "photo_after", "items": ["E-001"]},
  {"file": "photo-b2.png", "kind": "photo_before", "items": ["$2"]},
  {"file": "photo-a2.jpg", "kind": "photo_after", "items": ["$2"]},
  {"file": "wipe.log", "kind": "wipe_log", "items": ["$2"]}
 ]}
JSON
}
EXTRA=',{"id": "E-999", "serial": "X", "media_type": "usb", "category": "destroy", "method": "shred", "standard": "DIN 66399", "tool": "t", "verification": "visual", "result": "destroyed", "time": "2026-11-21T09:00:00Z", "location": "l", "destination": "d"}'
draft draft.json E-002 2026-11-21T08:00:00Z "" photo-a1.jpg
S="--sign performer=olaf.key --sign verifier=sam.key --sign witness=wendy.key \
   --passphrase-file olaf.pass --passphrase-file sam.pass --passphrase-file wendy.pass"
custos-dispose certify -q --yes --order order.json --draft draft.json $S -o proof.tar 2> err
check "certify writes a tar bundle" 0 $?
# issue 13: at a terminal each signer is shown the certificate in plain
# language and confirms it before their passphrase is read (tests/e2e/pty-run.py)
SN="--sign performer=olaf.key --sign verifier=sam.key --sign witness=wendy.key"
"$PY" "$here/pty-run.py" screen n -- custos-dispose certify -q --order order.json \
  --draft draft.json $SN -o pty1 > /dev/null 2> err
check "certify at a terminal: a signer who says no stops it" 6 $?
grep -q 'The destruction certificate to be signed' screen && grep -q 'item E-001 (serial WX11)' screen &&
  ! grep -qi 'passphrase' screen && [ ! -e pty1 ] &&
  pass "the performer saw the certificate and no passphrase was asked" ||
  { fail "the performer saw the certificate and no passphrase was asked"; sed 's/^/#   /' screen; }
"$PY" "$here/pty-run.py" screen "y,passphrase of olaf,y,passphrase of sam,y,passphrase of wendy" -- \
  custos-dispose certify -q --order order.json --draft draft.json $SN -o pty2 > /dev/null 2> err
check "certify at a terminal: each signer confirms, then signs" 0 $?
[ "$(grep -c 'sign this? \[y/N\]' screen)" -eq 3 ] && [ -f pty2/signatures/witness.sig ] &&
  pass "three confirmations, three signatures" ||
  { fail "three confirmations, three signatures"; sed 's/^/#   /' screen; }
custos-dispose certify -q --yes --order order.json --draft draft.json $S -o proof 2> err
check "certify writes a directory bundle" 0 $?
custos-dispose certify -q --yes --order order.json --draft draft.json $S -o proof 2> err
check "certify refuses an existing output" 6 $?
draft fake.json E-002 2026-11-21T08:00:00Z "" fake.jpg
custos-dispose certify -q --yes --order order.json --draft fake.json $S -o fake 2> err
check "certify refuses a photo that is not an image" 2 $?
[ ! -e fake ] && pass "nothing is left after a refusal" || fail "nothing is left after a refusal"
ls -A | grep -q '^\.custos' && fail "no staging directory is left (tar, directory, refusal)" ||
  pass "no staging directory is left (tar, directory, refusal)"
# each error prints its cause once, never an empty one
sed 's/"photo-b1.png"/"no-such-photo.png"/' draft.json > e1.json
custos-dispose certify -q --yes --order order.json --draft e1.json $S -o e1.tar 2> err
check "certify refuses a missing attachment" 2 $?
[ "$(cat err)" = "custos-dispose: ./no-such-photo.png: cannot open the attachment: No such file or directory" ] &&
  ! ls -A | grep -q '^\.custos' && [ ! -e e1.tar ] &&
  pass "one cause, nothing left after an attachment error" ||
  { fail "one cause, nothing left after an attachment error"; sed 's/^/#   /' err; ls -A | sed 's/^/#   /'; }
sed '/"certificate_id"/d; s/^ "contract"/{"contract"/' draft.json > e4.json
custos-dispose certify -q --yes --order order.json --draft e4.json $S -o e4.tar 2> err
check "certify refuses a draft without certificate_id" 2 $?
[ "$(cat err)" = "custos-dispose: e4.json: certificate_id: a non-empty string is needed" ] &&
  pass "the draft error names the file and the field once" ||
  { fail "the draft error names the file and the field once"; sed 's/^/#   /' err; }
custos-dispose certify -q --yes --order order.json --draft draft.json --sign performer=olaf.key \
  --sign verifier=sam.key --sign witness=wendy.key --passphrase-file nonexistent -o e5.tar 2> err
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ ! -e e5.tar ] &&
  [ "$(grep -o 'No such file or directory' err | wc -l)" -eq 1 ] &&
  pass "a passphrase file that is missing: exit $rc, one cause" ||
  { fail "a passphrase file that is missing (exit $rc)"; sed 's/^/#   /' err; }

# the vendor's draft, prefilled from the order
custos-dispose draft --order order.json -o d0.json > out 2> err
check "draft writes a prefilled draft" 0 $?
python3 -c 'import json,sys; d=json.load(open("d0.json")); it={i["id"]: i for i in d["items"]}; sys.exit(not (it["E-001"]["serial"] == "WX11" and it["E-001"]["seals"] == ["SEAL-1"] and it["E-002"]["make"] == "Samsung" and it["E-002"]["media_type"] == "ssd" and it["E-001"]["result"].startswith("FILL IN: ")))' &&
  pass "the draft holds every item with the order's details and marks the vendor's fields" ||
  fail "the draft holds every item with the order's details and marks the vendor's fields"
custos-dispose draft --order order.json -o d0.json 2> err
check "draft refuses an existing output" 6 $?
custos-dispose certify -q --yes --order order.json --draft d0.json --sign performer=olaf.key \
  --sign verifier=sam.key --sign witness=wendy.key --passphrase-file nonexistent -o d0.tar 2> err
check "certify refuses a draft still to be filled in" 2 $?
grep -q 'still to be filled in' err && pass "the refusal names the field" || fail "the refusal names the field"
python3 - << 'PY'
import json
d = json.load(open("d0.json"))
d["certificate_id"] = "VS-2026-918"
for k in ("contract",):
    d.pop(k)
d["owner"] = {"name": "Example Corp"}
d["vendor"] = {"name": d["vendor"]["name"]}
d["attestation"] = "We certify that the media listed were destroyed as described."
d["custody"] = {"received_by": "Vera", "received_at": "2026-11-20T11:30:00Z"}
for it in d["items"]:
    it.pop("method_details")
    it.update(category="destroy", method="shred", standard="DIN 66399", tool="HSM",
              verification="visual", result="destroyed", time="2026-11-21T09:00:00Z",
              location="Keelung plant", destination="recycler")
d["people"] = {"performer": {"title": "operator"}, "verifier": {"title": "supervisor"},
               "witness": {"title": "auditor"}}
d["attachments"] = [{"file": "photo-b1.png", "kind": "photo_before", "items": ["E-001"]},
                    {"file": "photo-b2.png", "kind": "photo_before", "items": ["E-002"]}]
json.dump(d, open("d0-done.json", "w"), ensure_ascii=False, indent=1)
PY
custos-dispose certify -q --yes --order order.json --draft d0-done.json $S -o d0 2> err
check "the completed draft certifies" 0 $?
custos-dispose verify d0 --order order.json > out 2> err
check "and verifies" 0 $?

# 3. the document's own checks, with sha256sum and openssl only
(cd proof && sha256sum -c --quiet manifest.sha256) && pass "sha256sum checks the manifest" ||
  fail "sha256sum checks the manifest"
P=application/vnd.custos.destruction-proof.v1
{ printf 'DSSEv1 %d %s %d ' "${#P}" "$P" "$(wc -c < proof/manifest.sha256)"; cat proof/manifest.sha256; } > m.msg
for r in performer:olaf verifier:sam witness:wendy; do
  openssl pkey -in "${r#*:}.key" -passin "file:${r#*:}.pass" -pubout -out k.pem 2>/dev/null
  sed -n 's/^signature: //p' "proof/signatures/${r%%:*}.sig" | base64 -d > s.bin
  openssl pkeyutl -verify -rawin -pubin -inkey k.pem -in m.msg -sigfile s.bin > /dev/null 2>&1 &&
    pass "openssl verifies the ${r%%:*} signature" || fail "openssl verifies the ${r%%:*} signature"
done
root=${CUSTOS_SOURCE_ROOT:?}
doc=$root/docs/formats/destruction-proof.md
sed -n '/^<!-- verify-proof.sh -->$/,/^```$/p' "$doc" | sed '1,2d;$d' > verify-proof.sh
sh verify-proof.sh proof olaf.key.pub sam.key.pub wendy.key.pub > vp.out 2>&1 &&
  [ "$(grep -c 'signature by .* OK' vp.out)" -eq 3 ] && pass "the document's verify-proof.sh accepts the bundle" ||
  { fail "the document's verify-proof.sh accepts the bundle"; sed 's/^/#   /' vp.out; }
sh verify-proof.sh proof olaf.key.pub wendy.key.pub sam.key.pub > vp.out 2>&1 &&
  fail "verify-proof.sh rejects signers in the wrong roles" || pass "verify-proof.sh rejects signers in the wrong roles"
# the order check exactly as written, on files under the names it uses; a changed order fails it
sed -n '/^The order: with the owner/,/^```$/p' "$doc" | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' > order-check.sh
mkdir oc && cp order.json oc/ORDER.json && cp order.json.sig oc/ORDER.json.sig &&
  cp alice.key.pub oc/OWNER.key.pub || fail "copy the order for the document's check"
(cd oc && sh ../order-check.sh > /dev/null 2>&1) && pass "the document's order check passes" ||
  fail "the document's order check passes"
sed 's/DO-/DX-/' order.json > oc/ORDER.json
(cd oc && sh ../order-check.sh > /dev/null 2>&1) && fail "the document's order check fails a changed order" ||
  pass "the document's order check fails a changed order"
tar -tf proof.tar | grep -q '^signatures/witness.sig$' && pass "the tar holds the layout" ||
  fail "the tar holds the layout"

# 4. verify, then close custody in the ledger
custos-dispose verify proof.tar --order order.json --require before,after > out 2> err
check "verify passes the untouched tar bundle" 0 $?
grep -q '^E-001 .*OK$' out && grep -q '^E-002 .*OK$' out && pass "the table says OK per item" ||
  fail "the table says OK per item"
custos-dispose verify proof --order order.json --require during > out 2> err
check "--require during flags missing evidence" 1 $?
grep -q 'MISSING EVIDENCE' out && pass "the table names MISSING EVIDENCE" || fail "the table names MISSING EVIDENCE"
cp case.ledger before.ledger
custos-dispose verify proof --order order.json -l case.ledger --yes --sign custodian=mallory.key \
  --passphrase-file nonexistent > out 2> err; rc=$?
[ "$rc" -ne 0 ] && grep -qi 'enrol' err && ! grep -q nonexistent err && cmp -s before.ledger case.ledger &&
  pass "verify --sign by an unenrolled key refuses the entries before any passphrase (exit $rc)" ||
  { fail "verify --sign by an unenrolled key refuses before any passphrase (exit $rc)"; sed 's/^/#   /' err; }
custos-dispose verify proof --order order.json -l case.ledger --yes --sign custodian=alice.key \
  --passphrase-file alice.pass --json > out.json 2> err
check "verify with the ledger records dispose entries" 0 $?
[ "$(grep -c '"action":"dispose"' case.ledger)" -eq 2 ] && pass "two dispose entries" || fail "two dispose entries"
custos-ledger verify -q -l case.ledger; rc=$?
check "the ledger verifies (the vendor's attestations pending)" 3 $rc
bsha=$(sha256sum proof/manifest.sha256 | cut -d' ' -f1)
grep -q "\"certificate_sha256\":\"$bsha\"" case.ledger && pass "the entry quotes the bundle digest" ||
  fail "the entry quotes the bundle digest"
# the certificate's witness signed the bundle, not the entry: the entry names
# them (name and key), and the custody report says who witnessed it
wfp=$(openssl pkey -pubin -in wendy.key.pub -outform DER | sha256sum | cut -d' ' -f1)
python3 - "$wfp" <<'PY' && pass "the dispose entries name the certificate's witness and key" ||
import json, sys
ents = [json.loads(l.split("\t")[0]) for l in open("case.ledger") if '"action":"dispose"' in l]
fs = [e.get("fields", e) for e in ents]
ok = len(fs) == 2 and all(f.get("certificate_witness") == "Wendy" and
                          f.get("certificate_witness_key") == sys.argv[1] for f in fs)
sys.exit(0 if ok else 1)
PY
  fail "the dispose entries name the certificate's witness and key"
custos-ledger export -q -l case.ledger -o exp
check "export of the disposed case (signatures owed: exit 3)" 3 $?
custos-ledger export -q -l case.ledger --lang zh-TW -o exp-zh
check "export --lang zh-TW of the disposed case (signatures owed: exit 3)" 3 $?
grep -q "witness to destruction: Wendy (witness) key ${wfp%"${wfp#????????????????}"}, signed certificate VS-2026-917" \
  exp/custody-report.txt && grep -q "銷毀見證人: Wendy（見證人）金鑰 ${wfp%"${wfp#????????????????}"}，簽署銷毀證明 VS-2026-917" \
  exp-zh/custody-report.txt && pass "the custody report names the witness to destruction (en, zh-TW)" ||
  { fail "the custody report names the witness to destruction (en, zh-TW)"; grep -i "witness to\|銷毀見證人" exp/custody-report.txt exp-zh/custody-report.txt | sed 's/^/#   /'; }

# 5. renderings
custos-dispose render proof.tar -o cert.html > /dev/null 2> err
check "render writes HTML" 0 $?
tsha=$(tar -xOf proof.tar manifest.sha256 | sha256sum | cut -d' ' -f1)
grep -q 'VS-2026-917' cert.html && grep -q "$tsha" cert.html && grep -q 'data:image/png;base64' cert.html &&
  pass "the HTML holds the id, digest and thumbnails" || fail "the HTML holds the id, digest and thumbnails"
custos-dispose render proof -o cert.pdf > /dev/null 2> err
check "render writes a PDF" 0 $?
if command -v pdftoppm > /dev/null; then
  pdftoppm -r 150 -png cert.pdf page && [ -s page-1.png ] && pass "pdftoppm renders the PDF" ||
    fail "pdftoppm renders the PDF"
  pages=$(pdfinfo cert.pdf | sed -n 's/^Pages: *//p'); okp=0
  for p in $(seq 1 "$pages"); do
    pdftotext -f "$p" -l "$p" cert.pdf - | tr -d '\n ' | grep -q "$bsha" && okp=$((okp + 1))
  done
  [ "$okp" -eq "$pages" ] && pass "every page ($pages) carries the bundle digest" ||
    fail "every page carries the bundle digest ($okp of $pages)"
  if command -v zbarimg > /dev/null; then
    [ "$(zbarimg -q --raw page-1.png)" = "VS-2026-917 sha256:$bsha" ] &&
      pass "zbarimg reads the QR code" || fail "zbarimg reads the QR code"
  fi
else
  echo "ok $((n + 1)) # SKIP pdftoppm not installed"; n=$((n + 1))
fi

# 6. tampering, one row each: NAME EXIT STATE
tamper() { # NAME WANT STATE BUNDLE [extra verify args]
  name=$1 want=$2 state=$3 b=$4; shift 4
  custos-dispose verify "$b" --order order.json "$@" > out 2> err; got=$?
  if [ "$got" -eq "$want" ] && grep -q "$state" out; then pass "tamper: $name"
  else fail "tamper: $name (exit $got, want $want, state $state)"; sed 's/^/#   /' out err; fi
}
cp -r proof t1; sed -i 's/"20 mm shredder"/"40 mm shredder"/' t1/certificate.json
tamper "edited field" 4 "BAD SIGNATURE" t1
cp -r proof t2; cp other.png t2/attachments/001-photo-b1.png
tamper "swapped photo" 1 "HASH MISMATCH" t2
custos-dispose render t2 -o t2.html > /dev/null 2> err
check "render refuses a bundle whose files do not match" 4 $?
[ ! -e t2.html ] && pass "no rendering of a tampered bundle" || fail "no rendering of a tampered bundle"
sh verify-proof.sh t2 olaf.key.pub sam.key.pub wendy.key.pub > vp.out 2>&1 &&
  fail "verify-proof.sh catches the swapped photo" || pass "verify-proof.sh catches the swapped photo"
# A dishonest vendor can sign anything by hand; verify must still catch it.
# forge SRC DST PYTHON [PERFORMER]: edit DST's certificate.json (as c, and
# any file in DST), then rewrite the manifest and sign it with openssl, as
# performer (default olaf), sam and wendy.
forge() {
  rm -rf "$2"; cp -r "$1" "$2"
  python3 -c 'import json,sys,hashlib; c=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(c, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)' \
    "$2/certificate.json" "$3"
  (cd "$2" && for f in attachments/* certificate.json; do sha256sum "$f"; done | LC_ALL=C sort -k2 > manifest.sha256)
  P=application/vnd.custos.destruction-proof.v1
  { printf 'DSSEv1 %d %s %d ' "${#P}" "$P" "$(wc -c < "$2/manifest.sha256")"; cat "$2/manifest.sha256"; } > forge.msg
  for r in performer:${4:-olaf} verifier:sam witness:wendy; do
    k=${r#*:}
    openssl pkey -in "$k.key" -passin "file:$k.pass" -out "$k.pem" 2> /dev/null
    openssl pkeyutl -sign -rawin -inkey "$k.pem" -in forge.msg -out forge.bin
    printf 'custos-signature-v1\npurpose: %s\nkey: %s\nsignature: %s\n' "$P" \
      "$(openssl pkey -in "$k.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)" \
      "$(base64 -w0 forge.bin)" > "$2/signatures/${r%%:*}.sig"
  done
}
forge proof f0 'pass'
tamper "a bundle re-signed by hand unchanged" 0 "OK" f0
# refused NAME WANT PATTERN DRAFT [SIGN...]: certify refuses the draft before
# any passphrase is read (the passphrase file does not exist), leaving nothing
refused() {
  name=$1 want=$2 pat=$3 d=$4; shift 4
  custos-dispose certify -q --yes --order order.json --draft "$d" "$@" --passphrase-file nonexistent \
    -o refused.tar > out 2> err; got=$?
  if [ "$got" -eq "$want" ] && grep -q -- "$pat" err && [ ! -e refused.tar ] &&
     ! ls -A | grep -q '^\.custos'; then pass "certify refuses: $name"
  else fail "certify refuses: $name (exit $got, want $want, $pat)"; sed 's/^/#   /' err; fi
}
SP="--sign performer=olaf.key --sign verifier=sam.key --sign witness=wendy.key"
draft d3.json E-003 2026-11-21T08:00:00Z "" photo-a1.jpg
refused "missing item" 1 "MISSING PROOF" d3.json $SP
forge proof t3 'c["items"][1]["id"] = "E-003"
for a in c["attachments"][2:]: a["items"] = ["E-003"]'
tamper "missing item" 1 "MISSING PROOF" t3
draft d4.json E-002 2026-11-21T08:00:00Z "$EXTRA" photo-a1.jpg
refused "extra item" 1 "UNKNOWN ITEM" d4.json $SP
printf '%s\n' "${EXTRA#,}" > extra.json
forge proof t4 'c["items"].append(json.load(open("extra.json")))'
tamper "extra item" 1 "UNKNOWN ITEM" t4
refused "unenrolled vendor key" 4 "not enrolled" draft.json --sign performer=mallory.key \
  --sign verifier=sam.key --sign witness=wendy.key
openssl pkey -in mallory.key -passin file:mallory.pass -out mallory.pem 2> /dev/null
mpub=$(openssl pkey -in mallory.pem -pubout -outform DER | base64 -w0)
mfp=$(openssl pkey -in mallory.pem -pubout -outform DER | sha256sum | cut -d' ' -f1)
forge proof t5 "c['people']['performer'].update(name='Mallory', key='$mfp', pub='$mpub')" mallory
tamper "unenrolled vendor key" 4 "BAD SIGNATURE" t5
draft d6.json E-002 2026-11-20T10:30:00Z "" photo-a1.jpg
refused "dated before the handover" 4 "BAD TIME" d6.json $SP
forge proof t6 'c["items"][0]["time"] = "2026-11-20T10:30:00Z"'
tamper "dated before the handover" 4 "BAD TIME" t6
sed 's/"serial": "S3XY"/"serial": "S3XZ"/' draft.json > d13.json
refused "a serial other than the order's" 1 "DETAILS MISMATCH" d13.json $SP
forge proof t13 'c["items"][1]["serial"] = "S3XZ"'
tamper "a serial other than the order's" 1 "DETAILS MISMATCH" t13

# wipe logs tied to their item (issue 14): a real signed log of a file wipe,
# given the identity a device wipe records, then variants that contradict
dd if=/dev/zero of=wiped.img bs=64k count=4 2> /dev/null
custos-dispose wipe -q --pattern zeros --confirm wiped.img --key olaf.key --passphrase-file olaf.pass \
  --log realwipe.json wiped.img > out 2> err < /dev/null
grep -q '"result": "PASSED"' realwipe.json && pass "a wipe log to attach" || { fail "a wipe log to attach"; cat err; }
mklog() { # OUT PYTHON: realwipe.json as a log of device S3XY, edited
  python3 -c 'import json,sys; l=json.load(open("realwipe.json")); l["target"].update(kind="block-device", serial="S3XY", device="sdx"); exec(sys.argv[2]); open(sys.argv[1], "w").write(json.dumps(l, indent=2) + "\n")' "$1" "$2"
}
mklog wipe-ok.json 'pass'
mklog wipe-failed.json 'l["result"] = "FAILED"'
mklog wipe-other.json 'l["target"]["serial"] = "Z9Z9"'
mklog wipe-stranger.json 'l["operator"]["key_fingerprint"] = "'"$mfp"'"'
mklog wipe-lying.json 'l["verification"]["mismatched_bytes"] = 4096'
for v in ok failed other stranger lying; do
  sed "s/\"wipe.log\"/\"wipe-$v.json\"/" draft.json > dw-$v.json
done
custos-dispose certify -q --yes --order order.json --draft dw-ok.json $S -o wok 2> err
check "certify accepts a wipe log of the item's device" 0 $?
custos-dispose verify wok --order order.json > out 2> err
check "verify accepts it" 0 $?
cp olaf.key olaf-nopub.key
# issue 13: without KEY.pub beside the key, enrolment and roles cannot be
# checked before the passphrase: certify refuses without reading one
custos-dispose certify -q --yes --order order.json --draft dw-ok.json --sign performer=olaf-nopub.key \
  --sign verifier=sam.key --sign witness=wendy.key --passphrase-file nonexistent -o wok2 2> err
check "certify without the performer's KEY.pub refuses before any passphrase" 2 $?
grep -q 'olaf-nopub.key.pub' err && ! grep -q nonexistent err && [ ! -e wok2 ] &&
  pass "the refusal names the missing public key, not the passphrase" ||
  { fail "the refusal names the missing public key, not the passphrase"; sed 's/^/#   /' err; }
rel=$(cd wok && ls attachments/*wipe-ok.json)
for v in failed:"says FAILED" other:"serial Z9Z9" stranger:"does not sign" lying:"own counts"; do
  w=${v%%:*} why=${v#*:}
  refused "a wipe log that $why" 1 "LOG CONTRADICTS.*$why" dw-$w.json $SP
  forge wok tw-$w "b=open('wipe-$w.json','rb').read(); a=c['attachments'][4]; a['sha256']=hashlib.sha256(b).hexdigest(); a['size']=len(b); open('tw-$w/$rel','wb').write(b)"
  tamper "verify: a wipe log that $why" 1 "^E-002 .*LOG CONTRADICTS" tw-$w
done
cp -r proof t7; rm t7/attachments/002-photo-a1.jpg
tamper "missing attachment" 1 "HASH MISMATCH" t7
cp -r proof t8; cp wipe.log t8/attachments/999-extra.log
tamper "unlisted file" 1 "OK" t8
cp -r proof t9; sed -i 's/"SEAL-2"/"SEAL-9"/' t9/certificate.json
tamper "seal changed with the certificate" 4 "BAD SIGNATURE" t9
cp proof.tar t10.tar; printf 'x' | dd of=t10.tar bs=1 seek=600 conv=notrunc 2> /dev/null
custos-dispose verify t10.tar --order order.json > out 2> err; rc=$?
[ "$rc" -ne 0 ] && pass "tamper: a damaged archive fails ($rc)" || fail "tamper: a damaged archive fails"
# issue 19: a truncated archive, cut inside an entry or at an entry boundary
size=$(wc -c < proof.tar); bad=0
for cut in 0 100 512 1024 1536 2000 3072 4096 5000 $((size - 2048)) $((size - 1536)) $((size - 1025)); do
  head -c "$cut" proof.tar > cut.tar
  custos-dispose verify cut.tar --order order.json > out 2> err; rc=$?
  [ "$rc" -eq 5 ] && ! grep -q 'ERROR: AddressSanitizer' err || { bad=$((bad + 1)); echo "# cut $cut: exit $rc"; }
done
[ "$bad" -eq 0 ] && pass "a truncated archive is CORRUPT (exit 5) at every cut" ||
  fail "a truncated archive is CORRUPT (exit 5) at every cut ($bad wrong)"
# a hostile archive entry
mkdir hostile && cp -r proof/* hostile/ && (cd hostile && tar -cf ../t11.tar ../order.json manifest.sha256 2> /dev/null)
custos-dispose verify t11.tar --order order.json > out 2> err
check "tamper: an archive entry outside the layout" 5 $?

# 7. RFC 3161 timestamps from a loopback TSA (openssl ts behind tests/tsa/tsa-server.py)
. "$root/tests/tsa/tsa-lib.sh"
if tsa_start "$work/tsa"; then
  custos-dispose certify -q --yes --order order.json --draft draft.json $S --tsa "$TSA_URL/" \
    --tsa-ca "$TSA_CA" -o ts.tar 2> err
  check "certify with a timestamp" 0 $?
  custos-dispose verify ts.tar --order order.json --tsa-ca "$TSA_CA" --require timestamp > out 2> err
  check "verify checks the timestamp" 0 $?
  grep -q '^timestamp: 20' out && pass "the report gives the TSA's time" || fail "the report gives the TSA's time"
  mkdir tsb && tar -xf ts.tar -C tsb
  # destruction-proof.md's timestamp check exactly as written (sh -e), on BUNDLE and CA.pem
  sed -n '/^The timestamp, when present/,/^```$/p' "$doc" | sed -n '/^```sh$/,/^```$/p' |
    sed '1d;$d' > ts-check.sh
  mkdir tsd && cp -r tsb tsd/BUNDLE && cp "$TSA_CA" tsd/CA.pem
  (cd tsd && sh -e ../ts-check.sh > out 2>&1) && grep -q '^Verification: OK' tsd/out &&
    grep -q '^Time stamp: ' tsd/out && pass "the document's timestamp check, as written, passes" ||
    fail "the document's timestamp check, as written, passes"
  custos-dispose render ts.tar --lang en -o ts.html > /dev/null 2> err
  grep -q 'Timestamp</th><td>20' ts.html && pass "the HTML shows the timestamp" || fail "the HTML shows the timestamp"
  custos-dispose render ts.tar --lang zh-TW -o ts-zh.pdf > /dev/null 2> err
  check "render --lang zh-TW of a timestamped bundle" 0 $?
  pdftotext ts-zh.pdf - | tr -d ' \n' > ts-zh.txt
  grep -q '時戳.*20[0-9-]*T[0-9:]*Z，時戳機構.*RFC3161' ts-zh.txt &&
    pass "the zh-TW certificate shows the timestamp and its authority in Chinese" ||
    fail "the zh-TW certificate shows the timestamp and its authority in Chinese"
  custos-dispose verify ts.tar --order order.json > out 2> err
  check "a timestamp without --tsa-ca is reported as not checked" 3 $?
  custos-dispose verify proof --order order.json --tsa-ca "$TSA_CA" --require timestamp > out 2> err
  check "--require timestamp on a bundle without one" 4 $?
  cp -r proof t12 && cp tsb/timestamp.tsr t12/
  rm -rf tsd/BUNDLE && cp -r t12 tsd/BUNDLE
  (cd tsd && sh -e ../ts-check.sh > /dev/null 2>&1) &&
    fail "the document's timestamp check fails a token of another bundle" ||
    pass "the document's timestamp check fails a token of another bundle"
  custos-dispose verify t12 --order order.json --tsa-ca "$TSA_CA" > out 2> err
  check "tamper: a timestamp from another bundle" 4 $?
  grep -q 'imprint' err && pass "the finding names the imprint" || fail "the finding names the imprint"
  # The rule seal follows (lib/pkgsig.c): the imprint is checked even without a TSA CA.
  custos-dispose verify t12 --order order.json > out 2> err
  check "a timestamp from another bundle, without --tsa-ca" 4 $?
  grep -q 'imprint' err && pass "without a CA the finding names the imprint" ||
    fail "without a CA the finding names the imprint"
  tsa_stop
else
  echo "ok $((n + 1)) # SKIP no loopback TSA"; n=$((n + 1))
fi

echo "1..$n"
[ $failed -eq 0 ]
