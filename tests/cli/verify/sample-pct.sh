custos-verify -r m.json --sample 101% d
