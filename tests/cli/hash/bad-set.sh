mkdir d; echo x > d/f; printf "not a hash\n" > set; custos-hash --known set -o m.json d
