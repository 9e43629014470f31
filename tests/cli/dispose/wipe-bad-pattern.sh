custos-dispose wipe --pattern ones --confirm t --log t.json t
