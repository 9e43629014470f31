. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger prove 5 -l c.ledger
