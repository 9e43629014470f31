#!/bin/sh
# Every tool has a man page, and every long option its --help lists is in it.
set -eu
root=${CUSTOS_SOURCE_ROOT:?}
fail=0
for exe in "$CUSTOS_BUILD_ROOT"/tools/custos-*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  tool=$(basename "$exe")
  page="$root/docs/man/$tool.1"
  if [ ! -f "$page" ]; then
    echo "not ok - $tool has no man page"; fail=1; continue
  fi
  for opt in $("$exe" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
    name=${opt#--}
    if ! grep -q -e "Fl -$name\\b" -e "\\\\-\\\\-$name\\b" "$page"; then
      echo "not ok - $tool: $opt is not in $tool.1"; fail=1
    fi
  done
  echo "ok - $tool man page covers its --help"
done
exit $fail
