mkdir d; echo x > d/f; custos-hash -q -o m.json d >/dev/null && custos-hash --audit m.json -o y.json d
