custos-seal frobnicate x
