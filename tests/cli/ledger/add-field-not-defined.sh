. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger add --yes collect -l c.ledger --sign custodian=alice.key --passphrase-file alice.pass --item E-1 --description d --text nope
