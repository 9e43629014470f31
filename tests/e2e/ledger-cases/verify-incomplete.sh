. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
custos-ledger propose collect -q -l c.ledger --party custodian=alice.key.pub --party witness=carol.key.pub --item E-1 --description d -o p1 || exit 9
custos-ledger sign --yes -q p1 --key alice.key --passphrase-file alice.pass || exit 9
custos-ledger commit -q p1 -l c.ledger --allow-missing || exit 9
custos-ledger verify -q -l c.ledger
