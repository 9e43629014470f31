custos-dispose verify --order o.json
