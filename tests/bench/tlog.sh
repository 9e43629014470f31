#!/bin/sh
# Benchmark (issue 16): publishing to a tlog-tiles log and proving one
# entry's inclusion, the figures the issue asks for: 100,000 entries
# appended (in publish-sized batches of 1,000 and as one batch), and a proof
# in a 1,000,000-entry log (TLOG_1M=0 to skip): time and bytes read, against
# the size of the whole log on disk. Figures only, never asserted.
# Usage: sh tests/bench/tlog.sh [BUILD_DIR]; BENCH_DIR (default TMPDIR).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${CUSTOS_BUILD_ROOT:-${1:-$root/build}}
build=$(cd "$build" && pwd)
bench=$build/tests/bench-tlog
[ -x "$bench" ] || { echo "tlog.sh: build first ($build)" >&2; exit 2; }
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/custos-bench-tlog.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== 100,000 entries, batches of 1,000"
"$bench" "$work/a" 100000 1000 200
echo "   log on disk: $(du -sh "$work/a" | cut -f1)"
echo "== 100,000 entries, one batch"
"$bench" "$work/b" 100000 100000 200
if [ "${TLOG_1M:-1}" != 0 ]; then
  echo "== 1,000,000 entries, batches of 100,000"
  "$bench" "$work/c" 1000000 100000 200
  echo "   log on disk: $(du -sh "$work/c" | cut -f1)"
fi
