#!/bin/sh
# The benchmarks run from any directory with a relative build directory and
# a relative BENCH_DIR (they cd into their work directory, so a relative
# path used to name nothing: "build/tools/custos-hash: not found"), and
# remove their inputs when done. Tiny inputs: this checks the scripts, not
# the speed.
set -u
build=${CUSTOS_BUILD_ROOT:?run through meson test}
root=${CUSTOS_SOURCE_ROOT:?run through meson test}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); sed 's/^/# /' "$work/out.txt" | tail -5; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
# Run from the work directory, the build named by a relative path.
cd "$work" || exit 1
rel=$(python3 -c 'import os, sys; print(os.path.relpath(sys.argv[1]))' "$build")
mkdir inputs

FILES=30 BENCH_DIR=inputs sh "$root/tests/bench/hash.sh" "$rel" >"$work/out.txt" 2>&1
check "bench/hash.sh with build dir \"$rel\" and a relative BENCH_DIR (exit 0)" '[ $? -eq 0 ]'
check "it compared custos-hash with its peers" \
    'grep -q "custos-hash --image -d md5,sha1 and fiwalk -X agree on all 30 files" "$work/out.txt"'
check "it removed its inputs" '[ -z "$(ls inputs)" ]'

SIZE=8 FILES=30 BENCH_DIR=inputs sh "$root/tests/bench/verify.sh" "$rel" >"$work/out.txt" 2>&1
check "bench/verify.sh with build dir \"$rel\" (exit 0)" '[ $? -eq 0 ]'
check "it timed custos-verify" 'grep -q "custos-verify (stream, sha256)" "$work/out.txt"'
check "it removed its inputs" '[ -z "$(ls inputs)" ]'

echo "1..$n"
[ "$failed" -eq 0 ]
