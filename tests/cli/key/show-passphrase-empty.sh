. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
: > pw0; custos-key show --passphrase-file pw0 a.key
