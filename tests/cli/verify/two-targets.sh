custos-verify -r m.json d e
