echo "{}" > m.json; mkdir d; custos-verify -q -r m.json d
