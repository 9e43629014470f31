. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
custos-ledger add --yes collect -l c.ledger --sign custodian=carol.key --passphrase-file carol.pass --item E-1 --description d
