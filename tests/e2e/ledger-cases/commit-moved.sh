. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
custos-ledger propose note -q -l c.ledger --party author=alice.key.pub --text one -o p1 || exit 9
custos-ledger sign --yes -q p1 --key alice.key --passphrase-file alice.pass || exit 9
custos-ledger add --yes note -q -l c.ledger --sign author=carol.key --passphrase-file carol.pass --text two || exit 9
custos-ledger commit p1 -l c.ledger
