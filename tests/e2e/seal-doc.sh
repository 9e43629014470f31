#!/bin/sh
# docs/formats/package.md checks itself: the shell commands of its section 5
# run, as printed, in a package made here (unpacked with tar), with alice's
# public key and the local TSA's CA certificate; then once more after a
# payload byte changes, where they must fail.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
. "$CUSTOS_SOURCE_ROOT/tests/tsa/tsa-lib.sh"
at_exit_extra=tsa_stop
make_keys
make_evidence
tsa_start "$work/tsa" || { echo "Bail out! no TSA"; exit 1; }
seal doc.tar --sign witness=carol.key --passphrase-file carol.pass --tsa "$TSA_URL/" ev record.json 2>/dev/null ||
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
    --passphrase-file carol.pass --case CASE-1 --evidence E-001 --seal TE-000731 \
    --authorisation a --tsa "$TSA_URL/" -o doc.tar ev record.json ||
  { echo "Bail out! cannot seal"; exit 1; }
# The first ```sh block of section 5.
sed -n '/^## 5\./,/^## 6\./p' "$CUSTOS_SOURCE_ROOT/docs/formats/package.md" |
  sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' > check.sh
[ -s check.sh ] && pass "section 5 has a script" || fail "section 5 has a script"
mkdir un && tar -xf doc.tar -C un
cp alice.key.pub un/doc/ && cp "$TSA_CA" un/doc/tsa-ca.crt
if (cd un/doc && sh -e ../../check.sh > ../../doc.out 2>&1); then
  pass "the document's commands accept the package (BagIt, signature, timestamp)"
else fail "the document's commands accept the package" "$(tail -5 doc.out)"; fi
grep -q "Signature Verified Successfully" doc.out && pass "openssl pkeyutl verified the custodian's signature" ||
  fail "openssl pkeyutl verified the custodian's signature" "$(cat doc.out)"
grep -q "^Verification: OK" doc.out && pass "openssl ts -verify accepted the timestamp at genTime" ||
  fail "openssl ts -verify accepted the timestamp" "$(cat doc.out)"
grep -q "$(cd un/doc && sha256sum tagmanifest-sha256.txt | cut -d' ' -f1)" doc.out &&
  pass "the script prints the hash the ledger records" || fail "the script prints the hash"
# The same commands must fail on a changed payload byte and on a changed bag-info.
chmod -R u+w un
printf 'X' | dd of=un/doc/data/ev/a.txt bs=1 seek=0 conv=notrunc 2>/dev/null
if (cd un/doc && sh -e ../../check.sh > ../../doc2.out 2>&1); then
  fail "the document's commands reject a changed payload"
else pass "the document's commands reject a changed payload"; fi
rm -rf un; mkdir un && tar -xf doc.tar -C un
cp alice.key.pub un/doc/ && cp "$TSA_CA" un/doc/tsa-ca.crt
sed -i 's/TE-000731/TE-999999/' un/doc/bag-info.txt
(cd un/doc && sha256sum bag-info.txt bagit.txt manifest-sha256.txt > tagmanifest-sha256.txt)
if (cd un/doc && sh -e ../../check.sh > ../../doc3.out 2>&1); then
  fail "the document's commands reject a re-hashed bag-info (signature fails)"
else
  grep -q "Signature Verification Failure" doc3.out &&
    pass "the document's commands reject a re-hashed bag-info (signature fails)" ||
    fail "the document's commands reject a re-hashed bag-info" "$(tail -3 doc3.out)"
fi
# The committed test vector (tests/data/seal, docs/formats/package.md section 7).
V=$CUSTOS_SOURCE_ROOT/tests/data/seal
K=$CUSTOS_SOURCE_ROOT/tests/data/key/alice.key.pub
expect "the test vector (directory) verifies with alice's key trusted" 0 "" \
  custos-seal verify -q "$V/vector" --trust "$K"
expect "the test vector (tar) verifies with alice's key trusted" 0 "" \
  custos-seal verify -q "$V/vector.tar" --trust "$K"
want=348a3a2d73e5a5ba1cdd50f8fa8eaefc541db60f1889fecb2b43942fe9f610cf
[ "$(sha256sum "$V/vector/tagmanifest-sha256.txt" | cut -d' ' -f1)" = "$want" ] &&
  pass "the vector's tag manifest has the SHA-256 the document gives" ||
  fail "the vector's tag manifest has the SHA-256 the document gives"
grep -q "$want" "$CUSTOS_SOURCE_ROOT/docs/formats/package.md" && pass "the document gives it" ||
  fail "the document gives it"
rm -rf vec; cp -r "$V/vector" vec; cp "$K" vec/alice.key.pub
# No timestamp in the vector: the script's timestamp step is left out.
sed '/^# 3\./,/^$/d' check.sh > check-notsa.sh
if (cd vec && sh -e ../check-notsa.sh > ../vec.out 2>&1) && grep -q "Signature Verified Successfully" vec.out; then
  pass "the document's commands accept the test vector"
else fail "the document's commands accept the test vector" "$(tail -3 vec.out)"; fi
# key.md's purpose table lists exactly the purposes custos signs with: every
# CUSTOS_PURPOSE_* of the public headers but the reserved certificate one.
if python3 - "$CUSTOS_SOURCE_ROOT" <<'EOF'
import glob, re, sys
root = sys.argv[1]
defined = set()
for h in glob.glob(root + "/include/custos/*.h"):
    defined |= set(re.findall(r'#define\s+CUSTOS_PURPOSE_\w+\s+"([^"]+)"', open(h).read()))
doc = open(root + "/docs/formats/key.md").read()
table = set(re.findall(r"^  \| `(application/vnd\.custos\.[^`]+)` \|", doc, re.M))
want = defined - {"application/vnd.custos.certificate.v1"}
assert table == want, ("table", sorted(table - want), "missing", sorted(want - table))
EOF
then pass "key.md's purpose table lists every purpose custos signs with, and no other"
else fail "key.md's purpose table lists every purpose custos signs with, and no other"; fi
done_tests
