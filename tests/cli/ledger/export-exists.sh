. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
mkdir exported
custos-ledger export -l c.ledger -o exported
