# same-output-twice: -o A -o A is exit 2, one line on stderr, nothing written
printf x >src
custos-acquire -a W src -o out.raw -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ ! -e out.raw ] || exit 98
exit $rc
