mkdir d; custos-hash -f xml -o x.json d
