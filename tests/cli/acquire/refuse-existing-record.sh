# refuse-existing-record: exit 6, one line on stderr
printf x >src; printf keep >out.raw.acquire.json
custos-acquire -a W src -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ ! -e out.raw ] && [ "$(cat out.raw.acquire.json)" = keep ] || exit 98
exit $rc
