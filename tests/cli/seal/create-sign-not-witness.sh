custos-seal create --sign receiver=k.key
