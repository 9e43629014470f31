mkdir d; echo x > d/f; echo old > out.json; custos-hash -q -o out.json d
