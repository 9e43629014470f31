custos-verify -r m.json --level deep d
