. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger verify -l c.ledger --item E-1
