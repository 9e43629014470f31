#!/bin/sh
# The tools' one option-parsing convention (tools/cli.h): parsers return the
# exit code and main() returns it; nothing in tools/ calls exit() or _exit().
set -eu
root=${CUSTOS_SOURCE_ROOT:?}
fail=0
for f in "$root"/tools/*.c; do
  # Comments and strings aside, a call is "exit(" after a non-identifier character.
  if sed -e 's://.*$::' "$f" | grep -n -E '(^|[^A-Za-z0-9_])_?exit[[:space:]]*\(' |
      grep -v -E '^[0-9]+:[[:space:]]*(\*|/\*)'; then
    echo "not ok - $(basename "$f") calls exit(): return the code instead (tools/cli.h)"; fail=1
  else
    echo "ok - $(basename "$f") does not call exit()"
  fi
done
exit $fail
