echo short > pw; custos-key generate --name A --role witness -o a.key --passphrase-file pw; r=$?; test ! -e a.key && exit $r
