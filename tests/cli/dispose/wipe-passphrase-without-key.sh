custos-dispose wipe --passphrase-file p --confirm t --log t.json t
