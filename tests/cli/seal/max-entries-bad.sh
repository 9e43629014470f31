custos-seal verify p.tar --max-entries -3
