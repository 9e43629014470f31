. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger open -l c.ledger --key alice.key --passphrase-file alice.pass --case X --level 1 --authorisation y
