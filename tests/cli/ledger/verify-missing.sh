. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger verify -l nope.ledger
