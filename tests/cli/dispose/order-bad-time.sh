# A malformed --time is a usage error naming it, before any key is read
# (the keys named here do not exist).
custos-dispose order -l c.ledger --order-id O --item E-1 --sign releaser=none.key \
  --party receiver=none.key.pub --time 2026-12-05T14:30:00+8:00 -o o.json
