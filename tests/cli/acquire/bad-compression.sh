# bad-compression: exit 2, one line on stderr
printf x >src
custos-acquire -a W -c ultra src -o out.E01 >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
exit $rc
