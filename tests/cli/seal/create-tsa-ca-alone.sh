custos-seal create --key k -o p.tar --case C --evidence E --seal S --authorisation A --tsa-ca ca.pem f
