#!/bin/sh
# Tampering with a sealed package, one row per way to break it: custos-seal
# verify must exit with the row's code and name what is wrong. Forgeries are
# made with custos-key sign (a valid signature by the wrong key), sha256sum
# (recomputed manifests) and the local TSA of tests/tsa.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
. "$CUSTOS_SOURCE_ROOT/tests/tsa/tsa-lib.sh"
at_exit_extra=tsa_stop
make_keys
make_evidence
tsa_start "$work/tsa" || { echo "Bail out! no TSA"; exit 1; }
A=$(fp16 alice); C=$(fp16 carol); M=$(fp16 mallory)

custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
  --passphrase-file carol.pass --case CASE-1 --evidence E-001 --seal TE-000731 \
  --authorisation "order 2026/117" --tsa "$TSA_URL/" --tsa-ca "$TSA_CA" -o base ev record.json ||
  { echo "Bail out! cannot seal"; exit 1; }
seal other --tsa "$TSA_URL/" record.json || { echo "Bail out! cannot seal"; exit 1; }
seal old --tsa "$TSA_URL/old" record.json || { echo "Bail out! cannot seal"; exit 1; }
expect "the untouched package verifies, timestamp included" 0 "" \
  custos-seal verify -q base --trust alice.key.pub --trust carol.key.pub --tsa-ca "$TSA_CA"

# Helpers for the mutations, run inside the copy.
retag() { # recompute the tag manifest as a forger would
  sha256sum bag-info.txt bagit.txt manifest-sha256.txt > tagmanifest-sha256.txt
}
resign() { # KEY: a valid seal signature by KEY over the current tag manifest
  f=$(sed -n 's/^fingerprint: //p' "../$1.key.pub" | cut -c1-16)
  rm -f "custos-seal/$f.sig"
  custos-key sign -q --key "../$1.key" --passphrase-file "../$1.pass" --purpose seal \
    -o "custos-seal/$f.sig" tagmanifest-sha256.txt
  cp "../$1.key.pub" "custos-seal/$f.pub"
}
flip() { # FILE OFFSET: flip one bit
  $PY -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' "$1" "$2"
}

# row NAME CODE GLOB MUTATION [verify options...]
row() {
  name=$1 code=$2 glob=$3 mutation=$4; shift 4
  rm -rf t; cp -r base t; chmod -R u+w t
  (cd t && eval "$mutation") || { fail "$name (mutation failed)"; return; }
  expect "$name" "$code" "$glob" custos-seal verify -q t "$@"
}
T="--trust alice.key.pub"
row "payload byte changed" 1 "*data/ev/a.txt: changed*" 'flip data/ev/a.txt 0' $T
row "payload file added" 1 "*data/ev/new.txt: added*" 'echo new > data/ev/new.txt' $T
row "payload file removed" 1 "*data/ev/sub/image.dd: missing*" 'rm data/ev/sub/image.dd' $T
row "empty payload file removed" 1 "*data/ev/empty: missing*" 'rm data/ev/empty' $T
row "every change reported, not just the first" 1 \
  "*a.txt: changed*new.txt: added*image.dd: missing*Payload-Oxum*" \
  'flip data/ev/a.txt 1; rm data/ev/sub/image.dd; echo x > data/new.txt' $T
row "bag-info.txt edited" 1 "*bag-info.txt: changed*" \
  'sed -i "s/TE-000731/TE-999999/" bag-info.txt' $T
row "bag-info.txt edited, tag manifest recomputed" 4 "*signature by $A does not verify*" \
  'sed -i "s/TE-000731/TE-999999/" bag-info.txt; retag' $T
row "payload, manifest and tag manifest rewritten" 4 "*does not verify*" \
  'echo forged > data/ev/a.txt; sha256sum data/ev/a.txt data/ev/empty "data/ev/scene notes.txt" data/ev/sub/image.dd data/record.json > manifest-sha256.txt; sed -i "s/^Payload-Oxum: .*/Payload-Oxum: 300039.5/" bag-info.txt; retag' $T
row "Payload-Oxum edited" 1 "*bag-info.txt: changed*" \
  'sed -i "s/^Payload-Oxum: .*/Payload-Oxum: 300038.4/" bag-info.txt' $T
row "bagit.txt edited" 5 "*bagit.txt: not a BagIt 1.0*" 'echo "BagIt-Version: 0.97" > bagit.txt' $T
row "manifest line mangled" 5 "*manifest-sha256.txt: line 1*" \
  'sed -i "1s/^./Z/" manifest-sha256.txt' $T
row "swapped signature (the witness's under the custodian's name)" 4 \
  "*$A.sig: holds a signature by $C*" "cp custos-seal/$C.sig custos-seal/$A.sig" $T
row "signature by another key instead of the custodian's" 4 \
  "*$M.sig: signature by $M, a key bag-info.txt does not name*custodian's signature ($A) is missing*" \
  "rm custos-seal/$A.sig custos-seal/$A.pub; resign mallory"
row "custodian's signature deleted" 4 "*custodian's signature ($A) is missing*" \
  "rm custos-seal/$A.sig" $T
row "signature bit flipped" 4 "*$A.sig*" "flip custos-seal/$A.sig 200" $T
row "public key copy replaced by another key" 4 "*$A.pub*" "cp mallory.key.pub custos-seal/$A.pub 2>/dev/null || cp ../mallory.key.pub custos-seal/$A.pub"
row "witness's public key removed and not trusted" 4 "*no public key for $C*" "rm custos-seal/$C.pub" $T
row "re-sealed by a forger naming himself: caught by --trust" 4 \
  "*trusted key $A (alice) has no valid signature*" \
  "sed -i 's/^Custos-Signer: custodian .*/Custos-Signer: custodian $(fp mallory)/' bag-info.txt; retag; rm custos-seal/$A.*; rm custos-seal/$C.*; resign mallory; sed -i '/^Custos-Signer: witness/d' bag-info.txt; retag; rm custos-seal/$M.*; resign mallory; rm -f custos-seal/timestamp.tsr" $T
row "timestamp from another package" 4 "*timestamp.tsr*imprint mismatch*" \
  'cp ../other/custos-seal/timestamp.tsr custos-seal/timestamp.tsr' $T
row "timestamp from another package, checked with the CA" 4 "*imprint mismatch*" \
  'cp ../other/custos-seal/timestamp.tsr custos-seal/timestamp.tsr' $T --tsa-ca "$TSA_CA"
row "timestamp by a TSA whose certificate had expired" 4 "*timestamp.tsr*expired*" \
  'cp ../old/custos-seal/timestamp.tsr custos-seal/timestamp.tsr; cp ../old/tagmanifest-sha256.txt ../old/bag-info.txt ../old/manifest-sha256.txt .; rm -rf data; cp -r ../old/data .; rm custos-seal/*.sig custos-seal/*.pub; cp ../old/custos-seal/*.sig ../old/custos-seal/*.pub custos-seal/' \
  --tsa-ca "$TSA_CA"
row "timestamp checked against another CA" 4 "*timestamp does not verify*" ':' $T --tsa-ca "$work/tsa/other-ca.crt"
row "timestamp bytes damaged" 4 "*timestamp.tsr*" 'flip custos-seal/timestamp.tsr 100' $T --tsa-ca "$TSA_CA"
row "an unknown tag file added" 1 "*extra.txt: added (not listed*" 'echo x > extra.txt' $T

# The same in an archive: the check streams through the tar without extracting.
seal base.tar --sign witness=carol.key --passphrase-file carol.pass ev record.json 2>/dev/null ||
  custos-seal create -q --yes --key alice.key --sign witness=carol.key --passphrase-file alice.pass \
    --passphrase-file carol.pass --case CASE-1 --evidence E-001 --seal TE-000731 \
    --authorisation a -o base.tar ev record.json
cp base.tar t.tar
off=$($PY -c 'import sys
d = open("t.tar", "rb").read(); print(d.index(b"notes of the scene"))')
flip t.tar "$off"
expect "tar: a payload byte changed inside the archive" 1 "*data/ev/scene notes.txt: changed*" \
  custos-seal verify -q t.tar $T
head -c 4000 base.tar > cut.tar
expect "tar: a truncated archive" 5 "*cut.tar*" custos-seal verify -q cut.tar $T
cp base.tar m.tar; chmod u+w m.tar
printf 'garbage' | dd of=m.tar bs=1 seek=0 conv=notrunc 2>/dev/null
expect "tar: a damaged header" 5 "*m.tar*" custos-seal verify -q m.tar $T
expect "not a package at all" 5 "*record.json*" custos-seal verify -q record.json
expect "extract refuses a tampered package and writes nothing" 1 "*changed*nothing extracted*" \
  custos-seal extract -q t.tar -o never $T
[ ! -e never ] && pass "no output directory" || fail "no output directory"

done_tests
