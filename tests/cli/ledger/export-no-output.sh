custos-ledger export -l c.ledger
