. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
printf 'pass phrase one\r\n' > pwcr; custos-key show --passphrase-file pwcr a.key
