. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
chmod 644 a.key; custos-key show --passphrase-file pw a.key
