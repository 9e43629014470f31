touch a b && custos-dispose wipe --confirm a --log t.json a b
