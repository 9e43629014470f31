export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
echo "pass phrase one" > pw; custos-key generate --name A --role witness -o a.key --passphrase-file pw -q || exit 9; custos-key generate --name B --role witness -o a.key --passphrase-file pw
