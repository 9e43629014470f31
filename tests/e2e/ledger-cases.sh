#!/bin/sh
# Whole custos-ledger flows with their exit codes and messages, in the cli
# case layout (tests/e2e/ledger-cases/CASE.sh beside CASE.exit and
# CASE.stderr, a glob for the whole stderr), kept out of the cli suite
# because each signs with keys whose derivation is deliberately slow.
set -u
root=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
n=0; failed=0
for case_sh in "$root"/tests/e2e/ledger-cases/*.sh; do
  base=${case_sh%.sh}; name=$(basename "$base")
  rm -rf "$work/case"; mkdir "$work/case"; cd "$work/case" || exit 1
  sh "$case_sh" > out 2> err < /dev/null; got=$?
  want=$(cat "$base.exit"); glob=$(cat "$base.stderr"); errtext=$(cat err)
  n=$((n + 1))
  # shellcheck disable=SC2254
  case "$errtext" in $glob) globok=1 ;; *) globok=0 ;; esac
  if [ "$got" -eq "$want" ] && [ $globok -eq 1 ]; then echo "ok $n - $name"
  else echo "not ok $n - $name"; echo "#   exit $got (want $want); stderr: $errtext"; failed=$((failed + 1)); fi
  cd "$work" || exit 1
done
echo "1..$n"
[ $failed -eq 0 ]
