. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger add note -l c.ledger --sign author=alice.key --passphrase-file carol.pass --text hi
