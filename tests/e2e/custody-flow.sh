#!/bin/sh
# The multi-party custody flow as people live it (issue 13), on a
# pseudo-terminal (tests/e2e/pty-run.py answers the prompts as they appear):
#  - show before signing: a witness of custos-acquire is shown the entry with
#    the image's digests and confirms before their passphrase is asked; one
#    who declines leaves no entry; custos-ledger sign and show-proposal show
#    a proposal readably; a proposal changed after it was shown is not signed;
#  - check before asking: each refusal that can be known up front (a witness
#    not enrolled, an item never collected, a missing output directory, a
#    missing required field, a role the policy refuses) comes before any
#    passphrase prompt or confirmation question;
#  - a mistyped passphrase may be typed again at a terminal.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=8"
pty() { "$PY" "$here/pty-run.py" "$@"; }
# tty EXIT NAME ANSWERS COMMAND...: runs COMMAND on a pty; its screen goes to ./screen.
tty() {
    want=$1 name=$2 answers=$3; shift 3
    pty screen "$answers" -- "$@" >/dev/null 2>&1
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name (exit $want)"
    else fail "$name (exit $want)" "exit $rc; screen: $(tr '\r' ' ' <screen | head -c 900)"; fi
}
# no_prompt NAME: the last screen shows no passphrase prompt and no question.
no_prompt() {
    if grep -q -e "assphrase for" -e "\[y/N\]" screen; then
        fail "$1: nothing was asked" "$(tr '\r' ' ' <screen | head -c 600)"
    else pass "$1: nothing was asked"; fi
}
lines() { wc -l <c.ledger | tr -d ' '; }

for who in alice:custodian carol:witness bob:custodian rita:recorder dave:witness; do
    k=${who%%:*}
    echo "passphrase of $k" >"$k.pass"
    custos-key generate -q --name "$k" --role "${who#*:}" -o "$k.key" --passphrase-file "$k.pass" ||
        { fail "make key $k"; finish; }
done
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file alice.pass --case C-13 \
    --level 3 --authorisation "order 13" || { fail "open"; finish; }
for k in carol bob rita; do
    custos-ledger add --yes enroll -q -l c.ledger --sign subject=$k.key --sign approver=alice.key \
        --passphrase-file $k.pass --passphrase-file alice.pass || { fail "enrol $k"; finish; }
done
custos-ledger add --yes collect -q -l c.ledger --sign custodian=alice.key --sign witness=carol.key \
    --passphrase-file alice.pass --passphrase-file carol.pass --item E-1 --description "USB stick" ||
    { fail "collect"; finish; }
make_fat disk.img 24 files || { fail "make the FAT image"; finish; }
img_sha=$(sha256 disk.img)
img_md5=$(md5 disk.img)

# ---- check before asking: every refusal comes before any prompt ----
n0=$(lines)
tty 6 "a witness not enrolled: refused" "" custos-ledger add collect -l c.ledger \
    --sign custodian=alice.key --sign witness=dave.key --item E-2 --description d
grep -q "witness dave (key [0-9a-f]*) is not enrolled" screen &&
    pass "the refusal names the witness" || fail "the refusal names the witness" "$(cat screen)"
no_prompt "witness not enrolled"
tty 6 "acquire of an item never collected: refused" "" custos-acquire -q -l c.ledger \
    --key alice.key --sign witness=carol.key --item E-404 disk.img -o never.E01
grep -q "item E-404 was never collected" screen &&
    pass "the refusal names the item" || fail "the refusal names the item" "$(cat screen)"
no_prompt "item never collected"
check "no image published" test ! -e never.E01
tty 7 "a missing output directory: refused" "" custos-acquire -q -l c.ledger \
    --key alice.key --sign witness=carol.key --item E-1 disk.img -o nodir/x.E01
grep -q "nodir" screen && pass "the refusal names the directory" ||
    fail "the refusal names the directory" "$(cat screen)"
no_prompt "missing output directory"
tty 2 "transfer without its reason: usage error" "" custos-ledger add transfer -l c.ledger \
    --sign releaser=alice.key --sign receiver=bob.key --item E-1
grep -q 'transfer needs the field "reason" (--reason)' screen &&
    pass "the usage error names the field and its option" ||
    fail "the usage error names the field and its option" "$(cat screen)"
no_prompt "missing required field"
tty 6 "a recorder as the receiver of a transfer: refused" "" custos-ledger add transfer \
    -l c.ledger --sign releaser=alice.key --sign receiver=rita.key --item E-1 --reason lab
grep -q "rita is enrolled as recorder, which may not act as receiver" screen &&
    pass "the refusal names the role rule" || fail "the refusal names the role rule" "$(cat screen)"
no_prompt "role refused by the policy"
is "refusals appended nothing" "$(lines)" "$n0"

# ---- show before signing: the witness sees the digests, then is asked ----
tty 0 "acquire: custodian, then the witness after imaging" \
    "passphrase of alice,y,y,passphrase of carol" \
    custos-acquire -q -l c.ledger --key alice.key --sign witness=carol.key --item E-1 \
    disk.img -o shown.E01
tr -d '\r' <screen >screen.txt
# Positions (line numbers) of what appeared, in order.
at() { grep -n -m1 -F -e "$1" screen.txt | cut -d: -f1; }
p_alice=$(at "Passphrase for alice.key") p_sha=$(at "image_sha256    $img_sha")
p_md5=$(at "md5             $img_md5") p_ask=$(at "witness carol: sign this entry? [y/N]")
p_carol=$(at "Passphrase for carol.key")
if [ -n "$p_alice" ] && [ -n "$p_sha" ] && [ -n "$p_md5" ] && [ -n "$p_ask" ] &&
    [ -n "$p_carol" ] && [ "$p_alice" -lt "$p_sha" ] && [ "$p_sha" -lt "$p_ask" ] &&
    [ "$p_ask" -lt "$p_carol" ]; then
    pass "order: custodian's passphrase, the digests shown, the witness asked, then their passphrase"
else fail "order: custodian's passphrase, the digests shown, the witness asked, then their passphrase" \
    "alice=$p_alice sha=$p_sha md5=$p_md5 ask=$p_ask carol=$p_carol" "$(head -c 1500 screen.txt)"; fi
body_sha=$(tail -n 1 c.ledger | cut -f1 | tr -d '\n' | sha256sum | cut -d' ' -f1)
check "the entry SHA-256 shown is that of the body signed" grep -q "entry SHA-256: $body_sha" screen.txt
check "the summary names the action and item" grep -q "acquired (imaged or hashed) item E-1" screen.txt
is "one entry appended" "$(lines)" $((n0 + 1))
check "the ledger verifies" custos-ledger verify -q -l c.ledger

n1=$(lines)
tty 6 "the witness declines: refused" "passphrase of alice,y,n" \
    custos-acquire -q -l c.ledger --key alice.key --sign witness=carol.key --item E-1 \
    disk.img -o declined.E01
no_carol=$(grep -c "Passphrase for carol.key" screen)
is "the witness who declined was never asked a passphrase" "$no_carol" 0
is "nothing appended" "$(lines)" "$n1"
check "the image is kept (nothing lost)" test -e declined.E01

# ---- three tries at a terminal ----
tty 0 "a mistyped passphrase may be typed again" "y,nope,passphrase of alice" \
    custos-ledger add note -l c.ledger --sign author=alice.key --text "typo, then right"
check "the second prompt says the first was wrong" grep -q "Wrong passphrase; passphrase for" screen

# ---- proposals: shown, then signed only as shown ----
custos-ledger propose transfer -q -l c.ledger --party releaser=alice.key.pub --party receiver=bob.key.pub \
    --item E-1 --reason "to the lab" -o t.prop || fail "propose"
run 0 "show-proposal" custos-ledger show-proposal -l c.ledger t.prop
check "show-proposal -l: the ledger would take it now" grep -q "ledger: c.ledger would accept it now" out
check "show-proposal: plain summary" grep -q "alice (releaser) hands item E-1 over to bob (receiver)" out
check "show-proposal: the reason" grep -q "reason          to the lab" out
check "show-proposal: nobody has signed" grep -q "signed so far: nobody" out
tty 6 "sign: declining signs nothing" "n" custos-ledger sign t.prop --key bob.key
no_bob=$(grep -c "Passphrase for bob.key" screen)
is "no passphrase asked of who declined" "$no_bob" 0
is "the proposal holds no signature" "$(wc -l <t.prop | tr -d ' ')" 1
tty 0 "sign: shown, confirmed, signed" "y,passphrase of bob" custos-ledger sign t.prop --key bob.key
check "sign showed the entry first" grep -q "hands item E-1 over to bob" screen
tty 6 "sign by a key that is not a party: refused before the passphrase" "" \
    custos-ledger sign t.prop --key carol.key
no_prompt "not a party"

# ---- a seal's witness sees the sealed package's digest, then signs ----
mkdir ev && printf 'evidence\n' >ev/a.txt
n2=$(lines)
tty 0 "seal: the witness confirms after sealing" "passphrase of alice,y,y,passphrase of carol" \
    custos-seal create -q -l c.ledger --key alice.key --sign witness=carol.key --evidence E-1 \
    --seal S-1 -o sealed.tar ev
tr -d '\r' <screen >screen.txt
tm=$(tar -xOf sealed.tar sealed/tagmanifest-sha256.txt | sha256sum | cut -d' ' -f1)
p_tm=$(at "sha256          $tm") p_ask=$(at "witness carol: sign this entry? [y/N]")
p_carol=$(at "Passphrase for carol.key")
if [ -n "$p_tm" ] && [ -n "$p_ask" ] && [ -n "$p_carol" ] && [ "$p_tm" -lt "$p_ask" ] &&
    [ "$p_ask" -lt "$p_carol" ]; then
    pass "seal: the tag manifest's SHA-256 shown before the witness is asked"
else fail "seal: the tag manifest's SHA-256 shown before the witness is asked" \
    "tm=$p_tm ask=$p_ask carol=$p_carol" "$(head -c 1500 screen.txt)"; fi
is "seal: one entry appended" "$(lines)" $((n2 + 1))
check "seal: the package verifies with both signatures" custos-seal verify -q sealed.tar
check "seal: the ledger verifies" custos-ledger verify -q -l c.ledger

tty 6 "sign -l: a proposal the ledger has moved past is refused before asking" "" \
    custos-ledger sign -l c.ledger t.prop --key alice.key
no_prompt "sign of a stale proposal"
run 6 "show-proposal -l says why the ledger would refuse it" custos-ledger show-proposal -l c.ledger t.prop
check "show-proposal -l: the reason" grep -q "expected" err

# ---- the policy, discoverable ----
run 0 "add transfer --help" custos-ledger add transfer --help
check "--help: reason is a required field" grep -q "^required fields:" out
check "--help: --reason listed" grep -q -- "--reason" out
check "--help: the receiver's roles" grep -q "receiver .*required; roles that may act so: custodian vendor legal" out
run 2 "add teleport --help: an unknown action" custos-ledger add teleport --help
finish
