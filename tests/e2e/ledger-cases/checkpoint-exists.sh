. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
custos-ledger checkpoint -q -l c.ledger --key alice.key --passphrase-file alice.pass -o cp || exit 9
custos-ledger checkpoint -l c.ledger --key alice.key --passphrase-file alice.pass -o cp
