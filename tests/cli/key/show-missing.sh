custos-key show nope.pub
