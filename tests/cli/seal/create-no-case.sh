custos-seal create --key k -o p.tar f
