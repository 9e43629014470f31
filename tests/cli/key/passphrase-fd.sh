export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
echo "pass phrase one" > pw; custos-key generate --name A --role legal -o a.key --passphrase-fd 3 -q 3<pw && custos-key show --passphrase-fd 3 a.key 3<pw >/dev/null
