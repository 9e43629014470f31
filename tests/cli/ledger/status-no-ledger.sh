custos-ledger status
