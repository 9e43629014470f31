#!/bin/sh
# custos-acquire --collect: one run appends the item's `collect` entry (before
# imaging) and its `acquire` entry (after), signed by the same custodian and
# witness, and the ledger verifies. Everything is checked before any prompt:
# an item already collected, an acquire entry the policy would refuse (no
# witness), a missing required field (a usage error naming it). When the
# imaging fails after the collection was recorded, the collect entry stands.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

echo "passphrase of alice" >a.pass
echo "passphrase of carol" >c.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file a.pass &&
custos-key generate -q --name "Carol 林" --role witness -o carol.key --passphrase-file c.pass &&
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file a.pass --case C-8 \
    --level 2 --authorisation "order 8" &&
custos-ledger add --yes enroll -q -l c.ledger --sign subject=carol.key --sign approver=alice.key \
    --passphrase-file c.pass --passphrase-file a.pass || { fail "set up keys and ledger"; finish; }
make_fat disk.img 16 files || { fail "make the FAT image"; finish; }
both="--key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass"
lines() { wc -l <c.ledger | tr -d ' '; }
# entry N FIELD: a field of entry N's body (line N+1).
entry() { sed -n "$(($1 + 1))p" c.ledger | cut -f1 | "$PY" -c "import json,sys; print(json.load(sys.stdin).get('$2'))"; }

# shellcheck disable=SC2086
run 0 "collect and acquire in one run" custos-acquire -q --yes -l c.ledger $both --item E-1 \
    --collect --description "USB 隨身碟" --make Kingston --serial 4C530001 disk.img -o usb.E01
is "two entries appended" "$(lines)" 4
is "entry 2 is the collect" "$(entry 2 action)" collect
is "  its item" "$(entry 2 item)" E-1
is "  its description" "$(entry 2 description)" "USB 隨身碟"
is "  its make" "$(entry 2 make)" Kingston
is "  its serial" "$(entry 2 serial)" 4C530001
is "entry 3 is the acquire" "$(entry 3 action)" acquire
is "  it names the record by SHA-256" "$(entry 3 record_sha256)" "$(sha256 usb.E01.acquire.json)"
is "  both entries signed by custodian and witness" \
    "$(sed -n '3p;4p' c.ledger | awk -F '\t' '{print NF}' | tr '\n' ' ')" "3 3 "
check "custos-ledger verify passes" custos-ledger verify -q -l c.ledger
check "the record is signed by the custodian" custos-verify -q -r usb.E01.acquire.json \
    --signer alice.key.pub usb.E01
ewfinfo usb.E01 >info.txt 2>&1
check "ewfinfo: the description typed once is in the E01" \
    grep -q "Description:[[:space:]]*USB 隨身碟$" info.txt

# Refusals, before any prompt (on a terminal: the transcript shows none) or byte read.
before=$(lines)
"$PY" "$here/pty-run.py" again.txt "" -- custos-acquire -q -l c.ledger --key alice.key \
    --sign witness=carol.key --item E-1 --collect --description "USB" disk.img -o again.E01 \
    >out 2>err
is "an item already collected: refused (exit 6)" "$?" 6
check "  the error names the earlier collection" grep -q "E-1 was already collected at entry 2" again.txt
check "  no passphrase prompt or question was shown" \
    sh -c '! grep -q -e "assphrase" -e "\[y/N\]" again.txt'
check "  nothing published" test ! -e again.E01 -a ! -e again.E01.acquire.json
"$PY" "$here/pty-run.py" nowit.txt "" -- custos-acquire -q -l c.ledger --key alice.key \
    --item E-2 --collect --description "Disk" disk.img -o nowit.E01 >out 2>err
is "without a witness (acquire needs one): refused (exit 6)" "$?" 6
check "  the error names the witness" grep -q "acquire needs a party acting as witness" nowit.txt
check "  no passphrase prompt was shown" sh -c '! grep -q "assphrase" nowit.txt'
# shellcheck disable=SC2086
run 2 "--collect without --description: usage error" custos-acquire -q --yes -l c.ledger $both \
    --item E-2 --collect disk.img -o nodesc.E01
check "  it names the field and its option" grep -q 'needs the field "description" (--description)' err
run 2 "--collect without --ledger: usage error" custos-acquire -q -a "order 8" --collect \
    --description X disk.img -o x.raw
# shellcheck disable=SC2086
run 2 "--serial without --collect: usage error" custos-acquire -q --yes -l c.ledger $both \
    --item E-1 --serial 1 disk.img -o x.raw
is "refusals appended nothing" "$(lines)" "$before"

# Imaging fails after the collection was recorded (an E01 needs whole sectors):
# the collect entry stands, and the item is acquired afterwards without --collect.
head -c 100000 disk.img >odd.img
# shellcheck disable=SC2086
run 5 "imaging fails after the collect entry" custos-acquire -q --yes -l c.ledger $both \
    --item E-3 --collect --description "SD card" odd.img -o odd.E01
is "  the collect entry stands" "$(tail -n 1 c.ledger | cut -f1 | "$PY" -c 'import json,sys; j=json.load(sys.stdin); print(j["action"], j["item"])')" "collect E-3"
check "  nothing published" test ! -e odd.E01
check "  the ledger verifies" custos-ledger verify -q -l c.ledger
# shellcheck disable=SC2086
run 0 "  acquired afterwards without --collect" custos-acquire -q --yes -l c.ledger $both \
    --item E-3 -f raw odd.img -o odd.raw
check "the ledger verifies at the end" custos-ledger verify -q -l c.ledger
finish
