custos-dispose verify b --order o.json --sign custodian=a.key
