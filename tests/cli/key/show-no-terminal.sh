. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
custos-key show a.key
