head -c 4096 /dev/zero > img; custos-hash --image img -o m.json
