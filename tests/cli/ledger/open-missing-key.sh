. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger open -l d.ledger --case X --level 1 --authorisation y
