. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
echo x > f; custos-key sign --key a.key.pub --purpose manifest -o f.sig --passphrase-file pw f
