custos-dispose order -l c.ledger --order-id O -o o.json
