#!/bin/sh
# The exported symbols of libcustos.so are exactly the CUSTOS_API declarations.
set -eu
lib=$1
root=${CUSTOS_SOURCE_ROOT:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u >"$tmp/exported"
grep -h 'CUSTOS_API' "$root"/include/custos/*.h | grep -v '#define' |
  grep -o 'custos_[a-z0-9_]*[[:space:]]*(' | tr -d ' (' | sort -u >"$tmp/declared"
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "symbols: exported set (+) differs from CUSTOS_API declarations (-)" >&2
  exit 1
fi
echo "ok - $(wc -l <"$tmp/exported") exported symbols match their declarations"
