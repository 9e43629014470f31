echo "pass phrase one" > pw; custos-key generate --name A --role witness -o a.key --passphrase-file pw -q || exit 9; custos-key show a.key
