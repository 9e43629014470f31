echo "pass phrase one" > pw; custos-key generate --name A --role boss -o a.key --passphrase-file pw
