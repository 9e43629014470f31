custos-seal verify no-such.tar
