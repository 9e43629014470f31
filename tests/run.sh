#!/bin/sh
# The one test entry point (README, .ci/run): installs what is missing,
# builds, runs every test, then does it again under AddressSanitizer and
# UndefinedBehaviorSanitizer, runs every libFuzzer target for a bounded time
# (build-fuzz/, CUSTOS_FUZZ_SECONDS each, default 15), and ends with
# "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
sh scripts/install-deps.sh || exit 1

total_pass=0; total_fail=0
run_build() { # dir, meson setup arguments...
  dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" >"$dir.build.log" 2>&1 || { cat "$dir.build.log"; return 1; }
  meson test -C "$dir" --setup full --print-errorlogs --num-processes 2 >"$dir.test.log" 2>&1
  rc=$?
  sed -n '/^Ok:/,/^Timeout:/p' "$dir.test.log"
  [ $rc -eq 0 ] || grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)' "$dir.test.log"
  pass=$(sed -n 's/^Ok: *//p' "$dir.test.log")
  fail=$(sed -n 's/^Fail: *//p' "$dir.test.log")
  to=$(sed -n 's/^Timeout: *//p' "$dir.test.log")
  total_pass=$((total_pass + ${pass:-0}))
  total_fail=$((total_fail + ${fail:-0} + ${to:-0}))
  if [ $rc -ne 0 ]; then
    echo "tests: see $dir/meson-logs/testlog-full.txt"
    [ "${CI:-}" = true ] && tail -n 200 "$dir/meson-logs/testlog-full.txt"
  fi
  return $rc
}

status=0
echo "== build/ (debugoptimized)"
run_build build || status=1
echo "== build-asan/ (-Db_sanitize=address,undefined)"
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$root/tests/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false || status=1
# Every libFuzzer target for a bounded time (docs/fuzzing.md); clang comes
# from install-deps.sh. A finding counts as one failure per target.
echo "== build-fuzz/ (clang, -Dfuzzing=true, ${CUSTOS_FUZZ_SECONDS:-15} s per target)"
fuzz_ok=0
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false >build-fuzz.setup.log 2>&1 ||
    { cat build-fuzz.setup.log; fuzz_ok=1; }
fi
if [ $fuzz_ok -eq 0 ]; then
  ninja -C build-fuzz >build-fuzz.build.log 2>&1 || { cat build-fuzz.build.log; fuzz_ok=1; }
fi
if [ $fuzz_ok -eq 0 ]; then
  sh tests/fuzz/run-fuzz.sh build-fuzz "${CUSTOS_FUZZ_SECONDS:-15}" >build-fuzz.test.log 2>&1 || fuzz_ok=1
  cat build-fuzz.test.log
fi
if [ $fuzz_ok -eq 0 ]; then
  total_pass=$((total_pass + 1))
else
  total_fail=$((total_fail + 1)); status=1
fi
[ $status -eq 0 ] || [ $total_fail -gt 0 ] || total_fail=1
echo "$total_pass passed, $total_fail failed"
exit $status
