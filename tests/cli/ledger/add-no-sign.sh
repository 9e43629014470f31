. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger add --yes note -l c.ledger --text hi
