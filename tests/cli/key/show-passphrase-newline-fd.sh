. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
printf 'pass phrase one\n' | custos-key show --passphrase-fd 0 a.key >/dev/null && printf 'pass phrase one' | custos-key show --passphrase-fd 0 a.key >/dev/null
