custos-dispose wipe --verify sample --subsections 10 --confirm t --log t.json t
