custos-dispose shred x
