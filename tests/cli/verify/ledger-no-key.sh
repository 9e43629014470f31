custos-verify -r m.json --ledger c.ledger d
