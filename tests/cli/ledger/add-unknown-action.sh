. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger add --yes teleport -l c.ledger --sign author=alice.key --passphrase-file alice.pass
