export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
set -e
echo "pass phrase one" > pw
custos-key generate --name "Alice Chen" --role custodian -o a.key --passphrase-file pw -q
test "$(stat -c %a a.key)" = 600
fp=$(custos-key show --json a.key.pub | sed -n "s/.*\"fingerprint\": \"\([0-9a-f]*\)\".*/\1/p")
test "$fp" = "$(openssl pkey -pubin -in a.key.pub -outform DER | sha256sum | cut -d" " -f1)"
test "$fp" = "$(openssl pkey -in a.key -passin file:pw -pubout -outform DER | sha256sum | cut -d" " -f1)"
custos-key show --passphrase-file pw a.key | grep -q "^role: *custodian$"
