#!/bin/sh
# docs/formats/key.md, checked without custos: the document's own commands
# (sections 3.1 and 4) run on the test vector in tests/data/key/, then the
# same checks on a fresh key made by custos-key, and tampered copies.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
root=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }
refute() { name=$1; shift; if "$@" >/dev/null 2>&1; then fail "$name"; else pass "$name"; fi; }

fingerprint_ok() ( # DIR KEY
  cd "$1" &&
  a=$(openssl pkey -pubin -in "$2.pub" -outform DER | sha256sum | cut -d' ' -f1) &&
  b=$(openssl pkey -in "$2" -passin file:passphrase.txt -pubout -outform DER | sha256sum | cut -d' ' -f1) &&
  c=$(sed -n 's/^fingerprint: //p' "$2.pub") &&
  [ "$a" = "$b" ] && [ "$a" = "$c" ]
)
binding_ok() ( # DIR PUBFILE
  cd "$1" &&
  head -n 5 "$2" > statement &&
  P=application/vnd.custos.key-binding.v1 &&
  { printf 'DSSEv1 %d %s %d ' ${#P} "$P" "$(wc -c < statement)"; cat statement; } > signed &&
  sed -n 's/^binding: //p' "$2" | base64 -d > binding.sig &&
  openssl pkeyutl -verify -rawin -pubin -inkey "$2" -in signed -sigfile binding.sig
)
pbkdf2_ok() ( # DIR KEY: PBES2, PBKDF2, hmacWithSHA256, 600000 iterations, aes-256-cbc
  cd "$1" && t=$(openssl asn1parse -in "$2" -i) &&
  echo "$t" | grep -q ':PBES2' && echo "$t" | grep -q ':PBKDF2' &&
  echo "$t" | grep -q ':hmacWithSHA256' && echo "$t" | grep -q 'INTEGER *:0927C0' &&
  echo "$t" | grep -q ':aes-256-cbc'
)
sigfile_ok() ( # DIR SIG FILE PUB
  cd "$1" &&
  P=$(sed -n 's/^purpose: //p' "$2") &&
  test "$P" = application/vnd.custos.manifest.v1 &&
  test "$(sed -n 's/^key: //p' "$2")" = \
       "$(openssl pkey -pubin -in "$4" -outform DER | sha256sum | cut -d' ' -f1)" &&
  { printf 'DSSEv1 %d %s %d ' ${#P} "$P" "$(wc -c < "$3")"; cat "$3"; } > signed &&
  sed -n 's/^signature: //p' "$2" | base64 -d > sig.bin &&
  openssl pkeyutl -verify -rawin -pubin -inkey "$4" -in signed -sigfile sig.bin
)

cp -r "$root/tests/data/key" "$work/vec"
check "vector: fingerprint from both files equals the statement" fingerprint_ok "$work/vec" alice.key
check "vector: binding signature verifies with openssl" binding_ok "$work/vec" alice.key.pub
check "vector: private key uses PBES2/PBKDF2-SHA256/600000/AES-256" pbkdf2_ok "$work/vec" alice.key
check "vector: detached signature verifies with openssl" sigfile_ok "$work/vec" manifest.sig manifest alice.key.pub
check "vector: custos-key verify agrees" custos-key verify -q --key "$work/vec/alice.key.pub" \
  --purpose manifest --signature "$work/vec/manifest.sig" "$work/vec/manifest"

mkdir "$work/new"; cd "$work/new" || exit 1
echo "a long enough passphrase" > passphrase.txt
custos-key generate -q --name "林佳慧 (Carol Lin)" --role witness -o carol.key --passphrase-file passphrase.txt
printf 'payload\n' > manifest
custos-key sign -q --key carol.key --purpose manifest -o manifest.sig --passphrase-file passphrase.txt manifest
check "fresh key: fingerprint" fingerprint_ok "$work/new" carol.key
check "fresh key: binding (UTF-8 name) verifies with openssl" binding_ok "$work/new" carol.key.pub
check "fresh key: encryption parameters" pbkdf2_ok "$work/new" carol.key
check "fresh key: detached signature" sigfile_ok "$work/new" manifest.sig manifest carol.key.pub

# Tampering: openssl and custos-key must both refuse.
sed 's/^role: witness$/role: legal/' carol.key.pub > relabelled.pub
refute "relabelled role: openssl binding check fails" binding_ok "$work/new" relabelled.pub
custos-key show relabelled.pub >/dev/null 2>&1; rc=$?
[ $rc -eq 4 ] && pass "relabelled role: custos-key show exits 4" || fail "relabelled role: custos-key show exits $rc"
printf 'payloaD\n' > manifest2
refute "changed file: openssl fails" sigfile_ok "$work/new" manifest.sig manifest2 carol.key.pub
custos-key verify -q --key carol.key.pub --purpose manifest --signature manifest.sig manifest2 2>/dev/null; rc=$?
[ $rc -eq 4 ] && pass "changed file: custos-key verify exits 4" || fail "changed file: exit $rc"
custos-key verify -q --key carol.key.pub --purpose seal --signature manifest.sig manifest 2>/dev/null; rc=$?
[ $rc -eq 4 ] && pass "other purpose: custos-key verify exits 4" || fail "other purpose: exit $rc"
custos-key verify -q --key "$work/vec/alice.key.pub" --purpose manifest --signature manifest.sig manifest 2>/dev/null; rc=$?
[ $rc -eq 4 ] && pass "other key: custos-key verify exits 4" || fail "other key: exit $rc"

# The passphrase file: the documented openssl command, exactly as written in
# section 3.1, and custos must agree. A CRLF file fails both (openssl keeps
# the CR), an LF file works in both.
doccmd=$(grep -F -- '-passin file:passphrase.txt' "$root/docs/formats/key.md" | head -n 1)
[ -n "$doccmd" ] && pass "key.md has the openssl passphrase command" || fail "key.md has the openssl passphrase command"
mkdir "$work/crlf"; cd "$work/crlf" || exit 1
cp "$work/new/carol.key" alice.key
printf 'a long enough passphrase\r\n' > passphrase.txt
# As written it is a pipeline into sha256sum: it "works" when the fingerprint comes out.
doc_fp_ok() { [ "$(sh -c "$doccmd" 2>/dev/null | cut -d' ' -f1)" = "$(sed -n 's/^fingerprint: //p' alice.key)" ]; }
refute "CRLF passphrase file: the documented openssl command gives no fingerprint" doc_fp_ok
custos-key show --passphrase-file passphrase.txt alice.key >/dev/null 2>err; rc=$?
[ $rc -eq 5 ] && grep -q "CR" err && pass "CRLF passphrase file: custos refuses it too (exit 5)" ||
  fail "CRLF passphrase file: custos exit $rc"
printf 'a long enough passphrase\n' > passphrase.txt
check "LF passphrase file: the documented openssl command gives the fingerprint" doc_fp_ok
check "LF passphrase file: custos accepts it" custos-key show --passphrase-file passphrase.txt alice.key

echo "1..$n"
[ $failed -eq 0 ]
