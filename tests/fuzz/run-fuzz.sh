#!/bin/sh
# Runs every libFuzzer harness of a fuzzing build for a bounded time
# (docs/fuzzing.md). Usage: run-fuzz.sh BUILD_DIR [SECONDS_PER_TARGET]
# Each target starts from its committed seeds (corpus/NAME) and regression
# inputs (regressions/NAME), which are never written to; new inputs go to
# BUILD_DIR/fuzz/corpus/NAME and findings to BUILD_DIR/fuzz/findings/NAME.
# Prints one line per target and "fuzz: N targets, N runs, N findings";
# exits 1 when a target finds anything or a regression input fails.
set -u
build=${1:?usage: run-fuzz.sh BUILD_DIR [SECONDS]}
secs=${2:-15}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz
mkdir -p "$out"
# Sanitizers as in tests/run.sh; leaks count as findings.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=1:quarantine_size_mb=16"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1:halt_on_error=1"
targets=0; runs=0; findings=0; status=0
for exe in "$build"/tests/fuzz/fuzz-*; do
  [ -x "$exe" ] && [ -f "$exe" ] || continue
  name=${exe##*/fuzz-}
  targets=$((targets + 1))
  mkdir -p "$out/corpus/$name" "$out/findings/$name"
  seeds="$here/corpus/$name"
  regs="$here/regressions/$name"
  log="$out/$name.log"
  # 1. Every regression input once: a fixed bug must stay fixed.
  if [ -d "$regs" ] && [ -n "$(ls -A "$regs" 2>/dev/null)" ]; then
    if ! "$exe" -runs=1 "$regs"/* >"$out/$name.regressions.log" 2>&1; then
      echo "fuzz-$name: a regression input fails again (see $out/$name.regressions.log)"
      findings=$((findings + 1)); status=1
      continue
    fi
  fi
  # 2. A bounded run from the seeds.
  set -- "$out/corpus/$name"
  [ -d "$seeds" ] && set -- "$@" "$seeds"
  [ -d "$regs" ] && set -- "$@" "$regs"
  "$exe" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$out/findings/$name/" "$@" >"$log" 2>&1
  rc=$?
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  runs=$((runs + ${n:-0}))
  found=$(ls "$out/findings/$name" | wc -l)
  if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
    findings=$((findings + (found > 0 ? found : 1))); status=1
    echo "fuzz-$name: FINDING after ${n:-?} runs: $(grep -m1 -E 'ERROR|violated|Abort|SUMMARY' "$log")"
    echo "  inputs: $out/findings/$name/  log: $log"
  else
    echo "fuzz-$name: ok, ${n:-0} runs in ${secs} s"
  fi
done
echo "fuzz: $targets targets, $runs runs, $findings findings"
[ $targets -gt 0 ] || { echo "fuzz: no targets in $build/tests/fuzz"; status=1; }
exit $status
