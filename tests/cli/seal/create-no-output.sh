custos-seal create --key k --case C --evidence E --seal S --authorisation A f
