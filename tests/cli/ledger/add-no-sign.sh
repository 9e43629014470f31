. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger add note -l c.ledger --text hi
