#!/bin/sh
# custos-acquire --key: the record is signed (RECORD.sig, purpose
# application/vnd.custos.record.v1) over its exact bytes, published with it.
# The signature is checked without custos by the openssl block of
# docs/formats/acquisition-record.md section 4 (run as written), and by
# custos-verify --signer; a tampered record or the wrong signer fails. An
# existing RECORD.sig is refused before any passphrase is read.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"
src=${CUSTOS_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
doc=$src/docs/formats/acquisition-record.md

echo "passphrase of alice" >a.pass
echo "passphrase of bob" >b.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file a.pass &&
custos-key generate -q --name Bob --role custodian -o bob.key --passphrase-file b.pass ||
    { fail "make the keys"; finish; }
make_fat disk.img 16 files || { fail "make the FAT image"; finish; }
# The document's block, with rec= and pub= taken from the environment.
"$PY" - "$doc" >sigcheck.sh <<'PYEOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"<!-- check-signature -->\n```sh\n(.*?)```\n", text, re.S)
body = m.group(1)
body = re.sub(r"^rec=.*$", 'rec=${REC:?}', body, count=1, flags=re.M)
body = re.sub(r"^pub=.*$", 'pub=${PUB:?}', body, count=1, flags=re.M)
print(body, end="")
PYEOF
check "the document has the signature block" grep -q "pkeyutl -verify" sigcheck.sh

run 0 "acquire with --key (no ledger)" custos-acquire -q -a "order 7" --key alice.key \
    --passphrase-file a.pass disk.img -o img.raw
check "RECORD.sig published" test -f img.raw.acquire.json.sig
is "the signature file names the record purpose" \
    "$(sed -n 's/^purpose: //p' img.raw.acquire.json.sig)" application/vnd.custos.record.v1
is "the signature file names alice's fingerprint" \
    "$(sed -n 's/^key: //p' img.raw.acquire.json.sig)" \
    "$(openssl pkey -pubin -in alice.key.pub -outform DER | sha256sum | cut -d' ' -f1)"
check "openssl (the document's block) accepts the signature" \
    env REC=img.raw.acquire.json PUB=alice.key.pub sh -e sigcheck.sh
run 0 "custos-verify --signer alice: good" custos-verify -q -r img.raw.acquire.json \
    --signer alice.key.pub img.raw
run 4 "custos-verify --signer bob: the wrong signer" custos-verify -q -r img.raw.acquire.json \
    --signer bob.key.pub img.raw
check "wrong signer: the error names the signing key" grep -q "signed by key" err
if env REC=img.raw.acquire.json PUB=bob.key.pub sh -e sigcheck.sh >/dev/null 2>&1; then
    fail "openssl block: the wrong signer must fail"
else pass "openssl block: the wrong signer fails"; fi

# A tampered record: the authorisation reference changed.
mkdir t && cp img.raw img.raw.acquire.json img.raw.acquire.json.sig t/ && chmod u+w t/*
sed -i 's/"order 7"/"order 8"/' t/img.raw.acquire.json
check "the tampered copy differs" sh -c '! cmp -s img.raw.acquire.json t/img.raw.acquire.json'
run 4 "custos-verify: a tampered record fails its signature" custos-verify -q \
    -r t/img.raw.acquire.json --signer alice.key.pub t/img.raw
check "tampered: the error says it does not verify" grep -q "does not verify" err
if (cd t && env REC=img.raw.acquire.json PUB=../alice.key.pub sh -e ../sigcheck.sh) \
    >/dev/null 2>&1; then
    fail "openssl block: a tampered record must fail"
else pass "openssl block: a tampered record fails"; fi

# --record PATH: the signature is PATH.sig.
run 0 "acquire E01 with --record and --key" custos-acquire -q -a "order 7" --key alice.key \
    --passphrase-file a.pass --record rec.json disk.img -o img.E01
check "rec.json.sig published" test -f rec.json.sig
check "openssl accepts rec.json.sig" env REC=rec.json PUB=alice.key.pub sh -e sigcheck.sh
run 0 "custos-verify --signer on the E01's record" custos-verify -q -r rec.json \
    --signer alice.key.pub img.E01

# Refusals before any passphrase (descriptor 9 is not open) or any byte read.
touch old.raw.acquire.json.sig
run 6 "an existing RECORD.sig: refused" custos-acquire -q -a "order 7" --key alice.key \
    --passphrase-fd 9 disk.img -o old.raw
check "refused: names the signature file" grep -q "old.raw.acquire.json.sig: already exists" err
check "refused: nothing published" test ! -e old.raw -a ! -e old.raw.acquire.json
run 6 "an existing RECORD.sig without --key: refused too" custos-acquire -q -a "order 7" \
    disk.img -o old.raw
echo "not the passphrase" >wrong.pass
run 4 "a wrong passphrase: refused before imaging" custos-acquire -q -a "order 7" \
    --key alice.key --passphrase-file wrong.pass disk.img -o wrong.raw
check "wrong passphrase: nothing published" test ! -e wrong.raw -a ! -e wrong.raw.acquire.json.sig
run 0 "without --key: no signature" custos-acquire -q -a "order 7" disk.img -o plain.raw
check "without --key: no RECORD.sig" test ! -e plain.raw.acquire.json.sig
# Two images from one read: each record beside its image, each signed.
run 0 "two outputs with --key" custos-acquire -q -a "order 7" --key alice.key \
    --passphrase-file a.pass disk.img -o two-a.raw -o two-b.E01
for r in two-a.raw two-b.E01; do
    check "two outputs: openssl (the document's block) accepts $r's record signature" \
        env REC=$r.acquire.json PUB=alice.key.pub sh -e sigcheck.sh
    run 0 "two outputs: custos-verify --signer alice on $r" custos-verify -q -r $r.acquire.json \
        --signer alice.key.pub $r
done
no_leftovers "no staging directory left" .
finish
