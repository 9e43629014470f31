custos-dispose certify --order o.json --draft d.json --sign performer=a.key --sign verifier=b.key -o b
