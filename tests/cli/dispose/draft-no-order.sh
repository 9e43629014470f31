custos-dispose draft -o d.json
