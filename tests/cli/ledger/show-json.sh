. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
set -e
custos-ledger show --json -l c.ledger > out.json
jq -e ".case.case == \"C-1\" and (.people | length) == 2 and .verification.status == \"ok\"" out.json > /dev/null
