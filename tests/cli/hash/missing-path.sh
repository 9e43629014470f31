# A path that does not exist: usage error naming it, and no manifest at all
# (before issue 13 a manifest listing only the error was written, exit 3).
mkdir d && echo a > d/a
custos-hash -q -o m.json d no-such-dir
rc=$?
[ ! -e m.json ] || { echo "a manifest was written" >&2; exit 99; }
exit $rc
