custos-dispose wipe --verify-only --pattern random --log t.json t
