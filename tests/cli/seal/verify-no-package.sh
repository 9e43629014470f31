custos-seal verify
