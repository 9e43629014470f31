mkdir d; custos-hash d
