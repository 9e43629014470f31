. "$CUSTOS_SOURCE_ROOT/tests/e2e/ledger-cases/_setup"
set -e
out=$(custos-ledger add --yes note -l c.ledger --sign author=carol.key --passphrase-file carol.pass --text "hello" --json)
echo "$out" | grep -q "\"seq\": 2"
test "$(wc -l < c.ledger)" -eq 3
