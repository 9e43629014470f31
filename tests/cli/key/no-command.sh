custos-key
