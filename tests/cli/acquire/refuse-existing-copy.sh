# refuse-existing-copy: the second output exists: exit 6 before anything is written
printf x >src
printf old >b.raw
custos-acquire -a W src -o a.raw -o b.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ ! -e a.raw ] && [ "$(cat b.raw)" = old ] || exit 98
exit $rc
