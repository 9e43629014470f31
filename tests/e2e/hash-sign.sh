#!/bin/sh
# custos-hash --key: the manifest's detached signature checked with openssl
# alone, as docs/formats/key.md section 4 shows; --audit --signer refuses a
# manifest signed by another key or edited after signing (exit 4) before
# hashing anything; --ledger appends an `acquire` entry whose record_sha256
# is sha256sum of the manifest; an existing signature file is refused
# before hashing.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); [ -s err ] && sed 's/^/#   /' err; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
# exits WANT NAME CMD: CMD (eval'd, stderr to ./err) exits WANT.
exits() { eval "$3" >out 2>err; rc=$?; if [ $rc -eq "$1" ]; then pass "$2 (exit $1)"; else fail "$2 (exit $rc, want $1)"; fi; }

echo "passphrase of alice" >a.pass
echo "passphrase of carol" >c.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file a.pass
custos-key generate -q --name Carol --role witness -o carol.key --passphrase-file c.pass
mkdir -p t/sub
printf 'report\n' >t/report.txt
head -c 300000 /dev/urandom >t/sub/data.bin

exits 0 "sign a manifest" 'custos-hash -q --key alice.key --passphrase-file a.pass -o m.json t'
check "the signature file is beside it" 'test -f m.json.sig'
# docs/formats/key.md section 4, with openssl and coreutils only.
P=$(sed -n 's/^purpose: //p' m.json.sig)
check "purpose is the manifest purpose" 'test "$P" = application/vnd.custos.manifest.v1'
check "key line = sha256 of the public key's DER" \
  'test "$(sed -n "s/^key: //p" m.json.sig)" = "$(openssl pkey -pubin -in alice.key.pub -outform DER | sha256sum | cut -d" " -f1)"'
{ printf 'DSSEv1 %d %s %d ' ${#P} "$P" "$(wc -c <m.json)"; cat m.json; } >signed
sed -n 's/^signature: //p' m.json.sig | base64 -d >sig.bin
check "openssl pkeyutl -verify accepts the signature" \
  'openssl pkeyutl -verify -rawin -pubin -inkey alice.key.pub -in signed -sigfile sig.bin >/dev/null'
# and key.md's two command blocks exactly as written, with sh -e, on files under their names
root=${CUSTOS_SOURCE_ROOT:?}
keyblock() { awk -v want="$1" '/^```sh$/ { b++; if (b == want) { f = 1; next } }
  /^```$/ { f = 0 } f' "$root/docs/formats/key.md"; }
mkdir kd && cp alice.key alice.key.pub kd/ && cp a.pass kd/passphrase.txt &&
  cp m.json kd/manifest && cp m.json.sig kd/manifest.sig
keyblock 1 > kd/block1.sh && keyblock 2 > kd/block2.sh
check "key.md has its two blocks" 'grep -q binding kd/block1.sh && grep -q manifest.sig kd/block2.sh'
(cd kd && sh -e block1.sh > b1.out 2>&1)
check "key.md block 1 as written: both fingerprints and the binding verify" \
  '[ "$(grep -c "$(sed -n "s/^fingerprint: //p" alice.key.pub)" kd/b1.out)" -eq 3 ] &&
   grep -q "Signature Verified Successfully" kd/b1.out'
(cd kd && sh -e block2.sh > b2.out 2>&1)
check "key.md block 2 as written: the manifest signature verifies" \
  'grep -q "Signature Verified Successfully" kd/b2.out'
sed 's/report.txt/report.TXT/' m.json > kd/manifest
check "key.md block 2 as written fails an edited manifest" '! (cd kd && sh -e block2.sh > /dev/null 2>&1)'
exits 0 "audit with --signer: good signature, clean audit" 'custos-hash --audit m.json --signer alice.key.pub t'
check "it names the signer" 'grep -q "signed by Alice" out'
exits 4 "audit with another signer's key" 'custos-hash -q --audit m.json --signer carol.key.pub t'
check "one line naming the signature file" 'test "$(wc -l <err)" -eq 1 && grep -q "m.json.sig" err'
sed 's/report.txt/report.TXT/' m.json >edited.json
cp m.json.sig edited.json.sig
exits 4 "audit of an edited manifest" 'custos-hash -q --audit edited.json --signer alice.key.pub t'
check "openssl agrees the edited manifest is not signed" \
  '{ printf "DSSEv1 %d %s %d " ${#P} "$P" "$(wc -c <edited.json)"; cat edited.json; } >signed2;
   ! openssl pkeyutl -verify -rawin -pubin -inkey alice.key.pub -in signed2 -sigfile sig.bin >/dev/null 2>&1'
exits 4 "audit with a missing signature file" 'custos-hash -q --audit m.json --signer alice.key.pub --signature none.sig t'

printf 'planted\n' >p.json.sig
exits 6 "an existing signature file is refused" 'custos-hash -q --key alice.key --passphrase-file a.pass -o p.json t'
check "before hashing: no manifest written" 'test ! -e p.json'
check "the existing signature is untouched" 'test "$(cat p.json.sig)" = planted'
exits 2 "signing to stdout is refused" 'custos-hash -q --key alice.key --passphrase-file a.pass -o - t'
exits 2 "--ledger needs --item" 'custos-hash -q --key alice.key -l c.ledger -o x.json t'
echo "wrong passphrase" >w.pass
exits 4 "a wrong passphrase stops the run before hashing" 'custos-hash -q --key alice.key --passphrase-file w.pass -o w.json t'
check "nothing written after a wrong passphrase" 'test ! -e w.json'

# The ledger entry.
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file a.pass --case C-9 --level 1 \
  --authorisation "order 9" &&
custos-ledger add --yes enroll -q -l c.ledger --sign subject=carol.key --sign approver=alice.key \
  --passphrase-file c.pass --passphrase-file a.pass &&
custos-ledger add --yes collect -q -l c.ledger --sign custodian=alice.key --sign witness=carol.key \
  --passphrase-file a.pass --passphrase-file c.pass --item E-2 --description "shared folder" ||
  fail "set up the ledger"
exits 6 "an item never collected is refused before hashing" \
  'custos-hash -q --yes -l c.ledger --item E-9 --key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass -o e9.json t'
check "refused: no manifest" 'test ! -e e9.json'
exits 0 "manifest recorded in the ledger" \
  'custos-hash -q --yes -l c.ledger --item E-2 --key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass -o e2.json t'
body=$(tail -n 1 c.ledger | cut -f1)
field() { printf '%s' "$body" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
check "entry: acquire of E-2" 'test "$(field action) $(field item)" = "acquire E-2"'
check "entry: record_sha256 = sha256sum of the manifest" \
  'test "$(field record_sha256)" = "$(sha256sum <e2.json | cut -d" " -f1)"'
check "entry: record is the manifest's name" 'test "$(field record)" = e2.json'
check "the ledger verifies" 'custos-ledger verify -q -l c.ledger'
check "the manifest is signed too" 'custos-hash -q --audit e2.json --signer alice.key.pub t >/dev/null'
echo "1..$n"
[ $failed -eq 0 ]
