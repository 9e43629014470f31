custos-seal extract p.tar
