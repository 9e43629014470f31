custos-dispose wipe --subsections 2000 --confirm t --log t.json t
