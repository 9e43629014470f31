. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
custos-ledger propose note -q -l c.ledger --party author=alice.key.pub --text one -o p1 || exit 9
custos-ledger sign --yes p1 --key carol.key --passphrase-file carol.pass
