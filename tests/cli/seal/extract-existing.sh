mkdir dest; custos-seal extract p.tar -o dest
