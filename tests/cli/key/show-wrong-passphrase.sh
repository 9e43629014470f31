echo "pass phrase one" > pw; echo "pass phrase two" > pw2; custos-key generate --name A --role witness -o a.key --passphrase-file pw -q || exit 9; custos-key show --passphrase-file pw2 a.key
