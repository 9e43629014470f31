echo "pass phrase one" > pw; custos-key generate --name A --role witness -o a.key --passphrase-file pw -q || exit 9; head -c 200 a.key > t.key; custos-key show --passphrase-file pw t.key
