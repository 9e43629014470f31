mkdir b; : > out.html; custos-dispose render b -o out.html
