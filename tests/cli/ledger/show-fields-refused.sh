custos-ledger show -l c.ledger --item E-1 --reason x
