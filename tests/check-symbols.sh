#!/bin/sh
# The exported symbols of libcustos.so are exactly the CUSTOS_API declarations.
set -eu
lib=$1
root=${CUSTOS_SOURCE_ROOT:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u >"$tmp/exported"
# A declaration may put the name on the line after CUSTOS_API and the return type.
awk '/^CUSTOS_API/ {d = ""; on = 1}
     on {d = d " " $0; if (index($0, "(")) {on = 0; sub(/\(.*/, "", d); n = split(d, w, /[ *]+/); print w[n]}}' \
  "$root"/include/custos/*.h | sort -u >"$tmp/declared"
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "symbols: exported set (+) differs from CUSTOS_API declarations (-)" >&2
  exit 1
fi
echo "ok - $(wc -l <"$tmp/exported") exported symbols match their declarations"
