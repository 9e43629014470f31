mkdir d; echo x > d/f; custos-hash -j 0 -o m.json d
