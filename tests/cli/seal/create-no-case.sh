custos-seal create --key k -o p.tar --evidence E-1 --seal S-1 f
