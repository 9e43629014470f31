mkdir d; echo "{\"format\":\"other\"}" > m.json; custos-hash --audit m.json d
