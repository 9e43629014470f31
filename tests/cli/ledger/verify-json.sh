. "$CUSTOS_SOURCE_ROOT/tests/cli/ledger/_setup"
set -e
custos-ledger verify --json -l c.ledger > out.json
grep -q "\"entries\": 2" out.json && grep -q "\"status\": \"ok\"" out.json
