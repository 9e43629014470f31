custos-dispose wipe --confirm t --log t.json
