custos-verify -r m.json --seed 4 d
