#!/bin/sh
# Option-parsing tests for one tool: the common cases every tool must pass,
# then the tool's own cases in tests/cli/TOOL/, each CASE.sh beside its
# expected CASE.exit and CASE.stderr (a shell glob the whole stderr must match).
set -u
tool=custos-$1
root=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0

check() { # name, expected exit, stderr glob, command...
  name=$1 want=$2 glob=$3; shift 3
  n=$((n + 1))
  "$@" >out 2>err </dev/null
  got=$?
  errtext=$(cat err)
  # shellcheck disable=SC2254
  case "$errtext" in
    $glob) globok=1 ;;
    *) globok=0 ;;
  esac
  if [ "$got" -eq "$want" ] && [ $globok -eq 1 ]; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name"
    echo "#   exit $got (want $want); stderr: $errtext"
    failed=$((failed + 1))
  fi
}

one_line() { [ "$(wc -l <err)" -eq 1 ]; }

check "$tool --help exits 0" 0 "" "$tool" --help
n=$((n + 1))
if grep -q "^usage: $tool" out; then echo "ok $n - --help prints usage on stdout"
else echo "not ok $n - --help prints usage on stdout"; failed=$((failed + 1)); fi
check "$tool --version exits 0" 0 "" "$tool" --version
check "unknown option exits 2" 2 "$tool: unknown option --no-such-option*" "$tool" --no-such-option
n=$((n + 1)); if one_line; then echo "ok $n - one line on stderr"; else echo "not ok $n - one line on stderr"; failed=$((failed + 1)); fi

if [ -d "$root/tests/cli/$1" ]; then
  for case_sh in "$root/tests/cli/$1"/*.sh; do
    base=${case_sh%.sh}
    rm -rf "$work"/case; mkdir "$work/case"; cd "$work/case" || exit 1
    check "$(basename "$base")" "$(cat "$base.exit")" "$(cat "$base.stderr" 2>/dev/null || echo '*')" sh "$case_sh"
    cd "$work" || exit 1
  done
fi
echo "1..$n"
[ $failed -eq 0 ]
