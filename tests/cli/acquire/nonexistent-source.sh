# nonexistent-source: exit 7, one line on stderr
custos-acquire -a W nosuch -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ ! -e out.raw ] || exit 98
exit $rc
