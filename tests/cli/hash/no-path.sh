custos-hash -o out.json
