#!/bin/sh
# custos-acquire --ledger: the `acquire` entry names the record by file name
# and SHA-256 (checked with sha256sum against the published record) and the
# image digests (checked against the source); keys and the policy are
# checked before any byte is read (nothing published on refusal); a witness
# named with --party signs later, and verification says so until the attest.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=8"

case_ledger 3 || { fail "set up keys and ledger"; finish; }
make_fat disk.img 24 files || { fail "make the FAT image"; finish; }
both="--key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass"
lines() { wc -l <c.ledger | tr -d ' '; }
# last FIELD: a field of the last entry's body (the text before the first tab).
last() { tail -n 1 c.ledger | cut -f1 | "$PY" -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }

# Refusals come before reading: nothing is published.
# shellcheck disable=SC2086
run 6 "an item never collected: refused" custos-acquire -q --yes -a "order 7" -l c.ledger $both \
    --item E-1 disk.img -o never.E01
check "refused: the error names the rule" grep -q "item E-1 was never collected" err
check "refused: no image published" test ! -e never.E01 -a ! -e never.E01.acquire.json
# shellcheck disable=SC2086
custos-ledger add --yes collect -q -l c.ledger --sign custodian=alice.key --sign witness=carol.key \
    --passphrase-file a.pass --passphrase-file c.pass --item E-1 --description "USB stick" \
    --serial 4C530001 || fail "collect E-1"
echo "not the passphrase" >wrong.pass
run 4 "a wrong passphrase: refused before imaging" custos-acquire -q --yes -a "order 7" -l c.ledger \
    --key alice.key --sign witness=carol.key --passphrase-file wrong.pass \
    --passphrase-file c.pass --item E-1 disk.img -o wrong.E01
check "wrong passphrase: no image published" test ! -e wrong.E01
run 2 "--ledger without --key" custos-acquire -q --yes -a "order 7" -l c.ledger --item E-1 \
    disk.img -o x.E01
run 2 "--ledger without an item" custos-acquire -q --yes -a "order 7" -l c.ledger $both disk.img -o x.E01
run 6 "acquire without the witness: refused by the policy" custos-acquire -q -a "order 7" \
    -l c.ledger --key alice.key --passphrase-file a.pass --item E-1 disk.img -o x.E01
check "the policy error names the witness" grep -q "witness" err
# The case's facts are the ledger's (issue 13): an E01 never names another
# case or warrant than the ledger it is recorded in. Refused before any
# passphrase is read (descriptor 9 is not open) or a byte imaged.
run 6 "--case-number of another case: refused" custos-acquire -q --yes -l c.ledger \
    --key alice.key --sign witness=carol.key --passphrase-fd 9 --item E-1 \
    --case-number OTHER-CASE disk.img -o other.E01
check "refused: names both case numbers" grep -q '"OTHER-CASE" differs from the ledger.s "C-7"' err
check "refused: no image published" test ! -e other.E01 -a ! -e other.E01.acquire.json
run 6 "--authorisation of another warrant: refused" custos-acquire -q --yes -l c.ledger \
    --key alice.key --sign witness=carol.key --passphrase-fd 9 --item E-1 \
    --authorisation "TOTALLY DIFFERENT" disk.img -o other.E01
check "refused: names both warrants" grep -q '"TOTALLY DIFFERENT" differs from the ledger.s "order 7"' err
check "refused: no image published" test ! -e other.E01
is "refusals appended nothing" "$(lines)" 3

# Custodian and witness sign now.
# shellcheck disable=SC2086
run 0 "acquire with custodian and witness" custos-acquire -q --yes -a "order 7" -l c.ledger $both \
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
check "the custodian's key signed the record too" custos-verify -q -r img.E01.acquire.json \
    --signer alice.key.pub img.E01

# Nothing typed again: case number, authorisation and description come from the ledger.
run 0 "acquire with only the item: the facts are the ledger's" custos-acquire -q --yes \
    -l c.ledger $both --item E-1 disk.img -o facts.E01
ewfinfo facts.E01 >facts.txt 2>&1
check "ewfinfo: case number from the open entry" grep -q "Case number:[[:space:]]*C-7$" facts.txt
check "ewfinfo: evidence number is the item" grep -q "Evidence number:[[:space:]]*E-1$" facts.txt
check "ewfinfo: description from the collect entry" grep -q "Description:[[:space:]]*USB stick$" facts.txt
check "ewfinfo: the notes lead with the ledger's authorisation" grep -q "Notes:.*order 7" facts.txt
check "the record names the ledger's case" grep -q '"C-7"' facts.E01.acquire.json

# The witness signs later.
run 0 "acquire with the witness to sign later" custos-acquire -q --yes -a "order 7" -l c.ledger \
    --key alice.key --party witness=carol.key.pub --passphrase-file a.pass --item E-1 \
    disk.img -o img2.raw
is "entry with one signature" "$(tail -n 1 c.ledger | awk -F '\t' '{print NF}')" 2
run 3 "verify: incomplete while the witness owes a signature" custos-ledger verify -q -l c.ledger
check "verify names the witness" grep -q "awaiting the signature of witness Carol" err
check "the witness attests" custos-ledger add --yes attest -q -l c.ledger --sign attester=carol.key \
    --passphrase-file c.pass --target 5 --target-sha256 \
    "$(sed -n 6p c.ledger | tr -d '\n' | sha256sum | cut -d' ' -f1)"
check "the ledger verifies after the attest" custos-ledger verify -q -l c.ledger
finish
