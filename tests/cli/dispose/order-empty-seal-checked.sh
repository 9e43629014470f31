custos-dispose order -l c.ledger --order-id O --item E-1 --seal-checked "" --sign releaser=a.key --party receiver=v.key.pub -o o.json
