custos-verify -r m.json -l deep d
