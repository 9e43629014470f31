custos-dispose wipe --pattern random --seed abcd --confirm t --log t.json t
