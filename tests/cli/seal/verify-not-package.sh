printf "hello\n" > f.txt; custos-seal verify f.txt
