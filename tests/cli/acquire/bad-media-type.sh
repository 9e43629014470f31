# bad-media-type: exit 2, one line on stderr
printf x >src
custos-acquire -a W --media-type floppy src -o out.raw >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
exit $rc
