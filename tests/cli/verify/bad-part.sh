custos-verify -r m.json --part 3/2 d
