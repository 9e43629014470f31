custos-seal create -o p.tar --case C --evidence E --seal S --authorisation A f
