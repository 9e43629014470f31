mkdir d; custos-verify d
