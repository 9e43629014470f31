custos-key show --passphrase-fd 0 --passphrase-file pw a.key
