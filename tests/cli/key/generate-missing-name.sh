echo "pass phrase one" > pw; custos-key generate --role custodian -o a.key --passphrase-file pw
