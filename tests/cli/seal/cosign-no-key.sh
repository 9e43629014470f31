custos-seal cosign p.tar
