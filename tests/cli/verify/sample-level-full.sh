custos-verify -r m.json --level full --sample 5 d
