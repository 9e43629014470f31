#!/bin/sh
# custos-ledger audit: the legal team's one command. A case made with the
# real tools (an E01 acquisition, a sealed package of it, a checkpoint) checks
# out in one table; then each way an artifact can be wrong gives its row and
# exit code: a changed record, a damaged image, a missing package, a changed
# package payload, a record signature that does not hold; and a ledger that
# does not verify gives no table at all.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); sed 's/^/#   /' out 2>/dev/null | tail -n 12; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

echo "passphrase of alice" > a.pass
echo "passphrase of carol" > c.pass
custos-key generate -q --name "Alice 陳" --role custodian -o alice.key --passphrase-file a.pass
custos-key generate -q --name Carol --role witness -o carol.key --passphrase-file c.pass
mkdir case case/EV-1
L=case/case.ledger
custos-ledger open -q -l $L --key alice.key --passphrase-file a.pass --case C-9 --level 3 \
  --authorisation "order 9"
custos-ledger add --yes enroll -q -l $L --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file c.pass --passphrase-file a.pass
custos-ledger add --yes collect -q -l $L --sign custodian=alice.key --sign witness=carol.key \
  --passphrase-file a.pass --passphrase-file c.pass --item EV-1 --description "USB 隨身碟"
truncate -s 8M disk.img && mkfs.vfat -n EV1 disk.img > /dev/null &&
  printf 'evidence\n' > f.txt && mcopy -i disk.img f.txt ::f.txt
both="--key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass"
# shellcheck disable=SC2086
custos-acquire -q --yes -l $L --item EV-1 $both disk.img -o case/EV-1/ev1.E01 > out 2>&1 ||
  fail "acquire into the case"
# shellcheck disable=SC2086
custos-seal create -q --yes -l $L $both --evidence EV-1 --seal TE-9 -o case/EV-1.tar case/EV-1 \
  > out 2>&1 || fail "seal into the case"
custos-ledger checkpoint -q -l $L --key alice.key --passphrase-file a.pass -o case/cp.note

custos-ledger audit -l $L --checkpoint case/cp.note > out 2>&1; rc=$?
check "a sound case: exit 0, every artifact OK" \
  '[ $rc -eq 0 ] && grep -q "result:    OK: 5 of 5 artifacts check out" out'
check "  the record, its signature, the image, the package and its payload are rows" \
  'grep -q "record.*EV-1/ev1.E01.acquire.json.*OK" out && grep -q "image .*OK" out &&
   grep -q "signature.*EV-1/ev1.E01.acquire.json.sig.*OK" out &&
   grep -q "package.*EV-1.tar .*OK" out && grep -q "payload.*OK" out'
rec=$(sha256sum case/EV-1/ev1.E01.acquire.json | cut -c1-16)
check "  the record's recorded SHA-256 is sha256sum's" 'grep -q "record .*$rec" out'
fp=$(openssl pkey -pubin -in alice.key.pub -outform DER | sha256sum | cut -c1-16)
check "  the signature row names the custodian's key" 'grep -q "signature .*$fp" out'
custos-ledger audit -l $L case --json > out.json 2>&1; rc=$?
check "  --json: 5 artifacts, status ok" \
  'python3 -c "import json,sys; j=json.load(open(\"out.json\")); sys.exit(not(len(j[\"artifacts\"])==5 and j[\"status\"]==\"ok\"))"'

cp -a case c1
printf ' ' >> c1/EV-1/ev1.E01.acquire.json
custos-ledger audit -l c1/case.ledger > out 2>&1; rc=$?
check "a changed acquisition record: exit 1, CHANGED" '[ $rc -eq 1 ] && grep -q "record.*CHANGED" out'

cp -a case c2
sz=$(stat -c %s c2/EV-1/ev1.E01)
printf '\377\377\377\377' | dd of=c2/EV-1/ev1.E01 bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
custos-ledger audit -l c2/case.ledger > out 2>&1; rc=$?
check "a damaged image beside a sound record: not OK (exit $rc), the image row says so" \
  '[ $rc -ne 0 ] && grep -q "image .*\(DAMAGED\|CHANGED\)" out'

cp -a case c3
rm c3/EV-1.tar
custos-ledger audit -l c3/case.ledger > out 2>&1; rc=$?
check "a missing sealed package: exit 3, MISSING" '[ $rc -eq 3 ] && grep -q "package.*MISSING" out'

cp -a case c4
mkdir x && tar -xf c4/EV-1.tar -C x && rm c4/EV-1.tar
f=$(find x -path '*/data/*' -name '*.E01' | head -n 1)
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
(cd x && tar --format=pax -cf ../c4/EV-1.tar EV-1)
custos-ledger audit -l c4/case.ledger > out 2>&1; rc=$?
check "a package rebuilt with a changed payload file: exit 1, the package matches, its payload CHANGED" \
  '[ $rc -eq 1 ] && grep -q "package.*OK" out && grep -q "payload.*CHANGED" out'

cp -a case c6
chmod u+w c6/EV-1/ev1.E01.acquire.json.sig
sed -i 's/^signature: A/signature: B/; t; s/^signature: ./signature: A/' c6/EV-1/ev1.E01.acquire.json.sig
custos-ledger audit -l c6/case.ledger > out 2>&1; rc=$?
check "a record signature that does not verify: exit 4, UNTRUSTED, the record itself OK" \
  '[ $rc -eq 4 ] && grep -q "signature.*UNTRUSTED" out && grep -q "record .*OK" out'

cp -a case c5
sed -i '3s/USB/usb/' c5/case.ledger
custos-ledger audit -l c5/case.ledger > out 2>&1; rc=$?
check "a ledger that does not verify: exit 4, no table" '[ $rc -eq 4 ] && ! grep -q ARTIFACT out'

echo "1..$n"
[ $failed -eq 0 ]
