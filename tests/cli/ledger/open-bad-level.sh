. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
custos-ledger open -l d.ledger --key alice.key --passphrase-file alice.pass --case X --level 7 --authorisation y; r=$?; test ! -e d.ledger && exit $r
