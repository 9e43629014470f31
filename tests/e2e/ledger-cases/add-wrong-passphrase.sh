. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
custos-ledger add --yes note -l c.ledger --sign author=alice.key --passphrase-file carol.pass --text hi
