printf "{" > o.json; : > o.json.sig; custos-dispose verify b --order o.json
