# resume-with-options: --resume takes the journal's options; another is a usage error
custos-acquire --resume out.raw -s 1M >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
exit $rc
