head -c 4096 /dev/zero > t && custos-dispose wipe --confirm t t
