custos-seal verify p.tar --seal S
