custos-dispose wipe --verify quick --confirm t --log t.json t
