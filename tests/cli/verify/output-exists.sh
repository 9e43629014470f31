mkdir d; echo x > d/f; custos-hash -q -o m.json d; echo old > r.json; custos-verify -q -r m.json -o r.json d
