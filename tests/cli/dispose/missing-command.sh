custos-dispose
