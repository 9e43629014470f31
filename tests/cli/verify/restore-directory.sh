mkdir d; echo x > d/f; custos-hash -q -o m.json d; custos-verify -q -r m.json --restore d
