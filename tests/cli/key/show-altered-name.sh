. "$CUSTOS_SOURCE_ROOT/tests/cli/key/_setup"
sed "s/^name: Alice$/name: Mallory/" a.key.pub > m.pub; custos-key show m.pub
