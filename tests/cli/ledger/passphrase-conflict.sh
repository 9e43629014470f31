. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger verify -l c.ledger --passphrase-fd 0 --passphrase-file x
