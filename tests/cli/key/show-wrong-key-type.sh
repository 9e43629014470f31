openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out r.key 2>/dev/null; openssl pkey -in r.key -pubout -out r.pub; custos-key show r.pub
