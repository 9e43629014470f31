# resume-nothing: --resume with no interrupted acquisition of OUTPUT: exit 2, one line
custos-acquire --resume out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ ! -e out.raw ] || exit 98
exit $rc
