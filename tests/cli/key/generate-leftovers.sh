export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
mkdir .custos.incomplete-Ab12Cd && : > .old.key.incomplete-Qq1Ww2 && touch -d "3 hours ago" .custos.incomplete-Ab12Cd && echo "pass phrase one" > pw && custos-key generate -q --name A --role legal -o a.key --passphrase-file pw && test -d .custos.incomplete-Ab12Cd && test -e .old.key.incomplete-Qq1Ww2
