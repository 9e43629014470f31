#!/bin/sh
# The tools' one option-parsing convention (tools/cli.h): parsers return the
# exit code and main() returns it; nothing in tools/ calls exit() or _exit();
# -h/-V/-q go through the shared helper (cli.c alone prints the version and
# every getopt_long loop hands its results to a cli_*_option helper); no
# tools/custos-*.c is over 450 lines.
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
for f in "$root"/tools/*.c; do
  b=$(basename "$f")
  if [ "$b" != cli.c ] && grep -q 'custos_version()' "$f"; then
    echo "not ok - $b prints the version itself: -V goes through cli_common_option"; fail=1
  elif grep -q 'getopt_long(' "$f" &&
      ! grep -q -E 'cli_(common|signing|tool)_option\(' "$f"; then
    echo "not ok - $b parses options without cli_common_option (or a helper calling it)"; fail=1
  else
    echo "ok - $b: -h/-V/-q through the shared helper"
  fi
done
for f in "$root"/tools/custos-*.c; do
  n=$(wc -l <"$f")
  if [ "$n" -gt 450 ]; then
    echo "not ok - $(basename "$f") has $n lines (at most 450: move shared logic out)"; fail=1
  else
    echo "ok - $(basename "$f") has $n lines"
  fi
done
exit $fail
