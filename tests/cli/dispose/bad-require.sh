custos-dispose verify b --order o.json --require photos
