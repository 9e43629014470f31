custos-verify -r m.json -l full --sample 5 d
