. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
echo "pass phrase two" > pw2; custos-key show --passphrase-file pw2 a.key
