# e01-segment-too-small: exit 2, one line on stderr
printf x >src
custos-acquire -a W -s 64K src -o out.E01 >case.out 2>case.err
rc=$?
cat case.err >&2
[ "$(wc -l <case.err)" -eq 1 ] || exit 99
[ -z "$(ls -A | grep -v "^src$\|^out$\|^err$\|^case.out$\|^case.err$")" ] || exit 98
exit $rc
