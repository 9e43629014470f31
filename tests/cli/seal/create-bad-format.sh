custos-seal create --key k -o p --format rar --case C --evidence E --seal S --authorisation A f
