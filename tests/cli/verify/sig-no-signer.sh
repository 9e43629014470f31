custos-verify -r m.json --reference-sig m.sig d
