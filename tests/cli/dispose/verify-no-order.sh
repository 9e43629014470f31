custos-dispose verify bundle.tar
