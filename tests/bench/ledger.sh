#!/bin/sh
# Benchmark: custos-ledger verify against the Ed25519 verification rate of
# `openssl speed -seconds 3 ed25519` on one core and on two (-multi 2), on
# ledgers bench-ledger generates (notes with one signature alternating with
# collections signed by a custodian and a witness: 1.5 signatures an entry).
# Prints, side by side, entries/s and signatures/s of the whole process
# (median of 3 runs), custos's signature rate as a share of openssl's one- and
# two-core rates, the CPU time, and the peak RSS from /usr/bin/time -v, for
# 100 000 entries and, with LEDGER_1M=1, 1 000 000 (generating those takes
# about 10-15 minutes on a loaded two-core machine; 100 000 about 1-2 min).
# `openssl speed` times its loop in user CPU time, so its one-core rate holds
# on a busy machine while wall-clock rates do not: "sig/CPU-s" is custos's
# signatures per second of CPU time (user + sys) and "CPU eff" its share of
# the openssl one-core rate; "CPU/wall" shows how many cores custos kept
# busy. On an idle machine, sig/s vs 2core is the figure of issue 15
# (target 80%); on a loaded one, read CPU eff and CPU/wall.
# Peak RSS does not grow with the entries (the Merkle tree is a compact
# range, line hashes are not kept), only with the custody state the rules
# read: about 150 bytes a collected item, and these ledgers collect one
# every second entry (issue 15: 300 000 entries, 43 MiB; notes only, 21 MiB
# at 100 000 and at 300 000).
# Never a test: timings are printed, never asserted.
#
# Usage: sh tests/bench/ledger.sh [BUILD_DIR]  (default build/, or
# CUSTOS_BUILD_ROOT as meson sets it). N (entries, default 100000), LEDGER_1M
# and BENCH_DIR (where ledgers are made; default /dev/shm, whose fsync is
# free, else TMPDIR) may be set.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${CUSTOS_BUILD_ROOT:-${1:-$root/build}}
bench=$build/tests/bench-ledger
tool=$build/tools/custos-ledger
[ -x "$bench" ] && [ -x "$tool" ] || { echo "ledger.sh: build first ($build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "ledger.sh: /usr/bin/time is missing (sh scripts/install-deps.sh)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "ledger.sh: openssl is missing" >&2; exit 2; }
base=${BENCH_DIR:-}
[ -n "$base" ] || { [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm; } || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/custos-ledger-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
sizes=${N:-100000}
[ "${LEDGER_1M:-0}" = 1 ] && sizes="$sizes 1000000"

echo "custos-ledger bench: $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(openssl version | cut -d' ' -f1-2)"
verify_rate() { openssl speed -seconds 3 "$@" ed25519 2>/dev/null | awk '/Ed25519/ { r = $NF } END { print r + 0 }'; }
one=$(verify_rate)
two=$(verify_rate -multi 2)
printf '  openssl speed ed25519 verify: one core %.0f sig/s, two cores (-multi 2) %.0f sig/s\n' "$one" "$two"
printf '\n  %-9s %9s %9s %11s %11s %8s %8s %10s %8s %9s %8s %10s\n' entries generate verify \
  entries/s sig/s "vs 1core" "vs 2core" sig/CPU-s "CPU eff" "CPU s" CPU/wall "peak RSS"
for n in $sizes; do
  L=$work/$n.ledger
  s=$(date +%s.%N)
  "$bench" generate "$n" "$L" 2>/dev/null
  gen=$(echo "$s $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
  sigs=$("$tool" verify --json -l "$L" | sed -n 's/^  "signatures": \([0-9]*\),$/\1/p')
  for i in 1 2 3; do
    /usr/bin/time -v "$tool" verify -q -l "$L" 2> "$work/t.$i" >/dev/null
    awk -F': ' '/Elapsed/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i] }
      /User time/ { u = $2 } /System time/ { y = $2 } /Maximum resident/ { r = $2 }
      END { printf "%.3f %.2f %d\n", s, u + y, r }' "$work/t.$i"
  done | sort -n | sed -n 2p > "$work/med"
  read -r wall cpu rss < "$work/med"
  awk -v n="$n" -v g="$gen" -v w="$wall" -v c="$cpu" -v r="$rss" -v s="$sigs" -v o="$one" -v t="$two" 'BEGIN {
    printf "  %-9d %8.1fs %8.2fs %11.0f %11.0f %7.0f%% %7.0f%% %10.0f %7.0f%% %8.2fs %8.2f %6.0f MiB\n",
      n, g, w, n / w, s / w, 100 * s / w / o, 100 * s / w / t, s / c, 100 * s / c / o, c, c / w,
      r / 1024 }'
  rm -f "$L"
done
