mkdir d && custos-dispose wipe --confirm d --log t.json d
