# directory-source: exit 5, one line on stderr
mkdir adir
custos-acquire -a W adir -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ ! -e out.raw ] || exit 98
exit $rc
