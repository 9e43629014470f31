mkdir d; custos-hash -o x.json --image img d
