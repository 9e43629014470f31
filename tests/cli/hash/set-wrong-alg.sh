mkdir d; echo x > d/f; echo d41d8cd98f00b204e9800998ecf8427e > set; custos-hash --known set -o m.json d
