custos-verify -r m.json --sample 0 d
