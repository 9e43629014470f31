mkdir d; custos-hash -d md5,crc32 -o x.json d
