custos-dispose render b -o out.txt
