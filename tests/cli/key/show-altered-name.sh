echo "pass phrase one" > pw; custos-key generate --name Alice --role witness -o a.key --passphrase-file pw -q || exit 9; sed "s/^name: Alice$/name: Mallory/" a.key.pub > m.pub; custos-key show m.pub
