# bad-window: exit 2, one line on stderr
head -c 4096 /dev/zero >src
custos-acquire -a W -w 1000 src -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ -z "$(ls -A | grep -v "^src$\|^out$\|^err$\|^case.out$\|^case.err$")" ] || exit 98
exit $rc
