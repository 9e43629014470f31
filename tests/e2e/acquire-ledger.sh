#!/bin/sh
# custos-acquire --ledger: the `acquire` entry names the record by file name
# and SHA-256 (checked with sha256sum against the published record) and the
# image digests (checked against the source); keys and the policy are
# checked before any byte is read (nothing published on refusal); a witness
# named with --party signs later, and verification says so until the attest.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=8"

echo "passphrase of alice" >a.pass
echo "passphrase of carol" >c.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file a.pass &&
custos-key generate -q --name Carol --role witness -o carol.key --passphrase-file c.pass &&
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file a.pass --case C-7 \
    --level 3 --authorisation "order 7" &&
custos-ledger add enroll -q -l c.ledger --sign subject=carol.key --sign approver=alice.key \
    --passphrase-file c.pass --passphrase-file a.pass || { fail "set up keys and ledger"; finish; }
make_fat disk.img 24 files || { fail "make the FAT image"; finish; }
both="--key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass"
lines() { wc -l <c.ledger | tr -d ' '; }
# last FIELD: a field of the last entry's body (the text before the first tab).
last() { tail -n 1 c.ledger | cut -f1 | "$PY" -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }

# Refusals come before reading: nothing is published.
# shellcheck disable=SC2086
run 6 "an item never collected: refused" custos-acquire -q -a "order 7" -l c.ledger $both \
    --item E-1 disk.img -o never.E01
check "refused: the error names the rule" grep -q "item E-1 was never collected" err
check "refused: no image published" test ! -e never.E01 -a ! -e never.E01.acquire.json
# shellcheck disable=SC2086
custos-ledger add collect -q -l c.ledger --sign custodian=alice.key --sign witness=carol.key \
    --passphrase-file a.pass --passphrase-file c.pass --item E-1 --description "USB stick" \
    --serial 4C530001 || fail "collect E-1"
echo "not the passphrase" >wrong.pass
run 4 "a wrong passphrase: refused before imaging" custos-acquire -q -a "order 7" -l c.ledger \
    --key alice.key --sign witness=carol.key --passphrase-file wrong.pass \
    --passphrase-file c.pass --item E-1 disk.img -o wrong.E01
check "wrong passphrase: no image published" test ! -e wrong.E01
run 2 "--ledger without --key" custos-acquire -q -a "order 7" -l c.ledger --item E-1 \
    disk.img -o x.E01
run 2 "--ledger without an item" custos-acquire -q -a "order 7" -l c.ledger $both disk.img -o x.E01
run 6 "acquire without the witness: refused by the policy" custos-acquire -q -a "order 7" \
    -l c.ledger --key alice.key --passphrase-file a.pass --item E-1 disk.img -o x.E01
check "the policy error names the witness" grep -q "witness" err
is "refusals appended nothing" "$(lines)" 3

# Custodian and witness sign now.
# shellcheck disable=SC2086
run 0 "acquire with custodian and witness" custos-acquire -q -a "order 7" -l c.ledger $both \
    --evidence-number E-1 disk.img -o img.E01
is "one entry appended" "$(lines)" 4
is "entry: action" "$(last action)" acquire
is "entry: item from --evidence-number" "$(last item)" E-1
is "entry: record file name" "$(last record)" img.E01.acquire.json
is "entry: record_sha256 = sha256sum of the record" "$(last record_sha256)" "$(sha256 img.E01.acquire.json)"
is "entry: image_sha256 = sha256sum of the source" "$(last image_sha256)" "$(sha256 disk.img)"
is "entry: md5 = md5sum of the source" "$(last md5)" "$(md5 disk.img)"
is "entry: size" "$(last size)" "$(fsize disk.img)"
check "the ledger verifies" custos-ledger verify -q -l c.ledger
check "ewfverify accepts the image" ewfverify -q img.E01

# The witness signs later.
run 0 "acquire with the witness to sign later" custos-acquire -q -a "order 7" -l c.ledger \
    --key alice.key --party witness=carol.key.pub --passphrase-file a.pass --item E-1 \
    disk.img -o img2.raw
is "entry with one signature" "$(tail -n 1 c.ledger | awk -F '\t' '{print NF}')" 2
run 3 "verify: incomplete while the witness owes a signature" custos-ledger verify -q -l c.ledger
check "verify names the witness" grep -q "awaiting the signature of witness Carol" err
check "the witness attests" custos-ledger add attest -q -l c.ledger --sign attester=carol.key \
    --passphrase-file c.pass --target 4 --target-sha256 \
    "$(sed -n 5p c.ledger | tr -d '\n' | sha256sum | cut -d' ' -f1)"
check "the ledger verifies after the attest" custos-ledger verify -q -l c.ledger
finish
