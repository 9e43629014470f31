. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
sed '$d' a.key > t.key; chmod 600 t.key; custos-key show --passphrase-file pw t.key
