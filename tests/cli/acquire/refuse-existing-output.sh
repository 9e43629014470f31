# refuse-existing-output: exit 6, one line on stderr
printf x >src; printf keep >out.raw
custos-acquire -a W src -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ "$(cat out.raw)" = keep ] && [ ! -e out.raw.acquire.json ] || exit 98
exit $rc
