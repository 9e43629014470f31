. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
head -c 200 a.key > t.key; custos-key show --passphrase-file pw t.key
