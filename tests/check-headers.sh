#!/bin/sh
# Every public header compiles on its own, with no build configuration.
set -eu
root=${CUSTOS_SOURCE_ROOT:?}
cc=${CC:-cc}
fail=0
for h in "$root"/include/custos/*.h; do
  name=$(basename "$h")
  if ! printf '#include <custos/%s>\nint custos_header_check_;\n' "$name" |
      $cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$root/include" -x c - ; then
    echo "not ok - $name does not compile alone"; fail=1
  else
    echo "ok - $name"
  fi
done
exit $fail
