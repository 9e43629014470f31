custos-dispose verify b --order nosuch.json
