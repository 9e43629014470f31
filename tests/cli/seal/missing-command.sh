custos-seal
