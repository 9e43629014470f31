#!/bin/sh
# Benchmark: custos-hash against hashdeep and sha256sum on the same trees,
# with the same algorithms, from the page cache.
#
#   small: 20,000 files of 512 B to 16 KiB (about 160 MiB) in 100 directories
#   large: 4 files of 512 MiB of random data (2 GiB)
#
# For each tree and tool: the median wall time of 3 runs (each after one
# warm-up read of the tree), then files/s, MB/s (10^6 bytes) and the ratio
# to hashdeep. custos-hash is run twice: as shipped (with the libmagic
# content type, which hashdeep and sha256sum do not compute) and with
# --no-type (the same work as the others). Never a test: timings are printed,
# never asserted.
#
# Usage: sh tests/bench/hash.sh [BUILD_DIR]   (default build/)
# BENCH_DIR chooses where the trees are made (default: a temporary directory).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
custos=$build/tools/custos-hash
[ -x "$custos" ] || { echo "bench: build custos-hash first ($custos)" >&2; exit 2; }
for t in hashdeep sha256sum python3; do
  command -v $t >/dev/null || { echo "bench: $t is missing (sh scripts/install-deps.sh)" >&2; exit 2; }
done
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/custos-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "custos-hash bench: $(nproc) cores, $(uname -r), $("$custos" --version), hashdeep $(hashdeep -V)"
python3 - <<'EOF'
import os
r = os.urandom(1 << 20)
for i in range(20000):
    d = "small/d%03d" % (i // 200)
    os.makedirs(d, exist_ok=True)
    n = 512 + (i * 7919) % 15872
    o = (i * 104729) % (len(r) - n)
    with open("%s/f%05d" % (d, i), "wb") as f:
        f.write(r[o:o + n])
os.makedirs("large", exist_ok=True)
for i in range(4):
    with open("large/big%d.bin" % i, "wb") as f:
        for _ in range(512):
            f.write(os.urandom(1 << 20))
EOF

now() { date +%s.%N; }
# run NAME TREE COMMAND...: prints the median seconds of 3 runs
median3() {
  tree=$1; shift
  find "$tree" -type f -exec cat {} + >/dev/null
  for i in 1 2 3; do
    rm -f "$work/out"
    s=$(now); "$@" >/dev/null 2>&1 || true; e=$(now)
    echo "$s $e" | awk '{printf "%.3f\n", $2 - $1}'
  done | sort -n | sed -n 2p
}

report() { # tree files bytes
  tree=$1 files=$2 bytes=$3
  echo
  echo "== $tree: $files files, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}') MB"
  printf '%-44s %8s %10s %9s %8s\n' tool seconds files/s MB/s "vs hashdeep"
  hd=""
  while IFS='|' read -r name cmd; do
    # shellcheck disable=SC2086
    sec=$(median3 "$tree" sh -c "$cmd")
    case $name in hashdeep*) hd=$sec ;; esac
    awk -v n="$name" -v s="$sec" -v f="$files" -v b="$bytes" -v h="$hd" \
      'BEGIN{printf "%-44s %8.3f %10.0f %9.1f %7.2fx\n", n, s, f/s, b/s/1e6, h/s}'
  done
}

for tree in small large; do
  files=$(find $tree -type f | wc -l)
  bytes=$(find $tree -type f -printf '%s\n' | awk '{s+=$1} END{print s}')
  report $tree "$files" "$bytes" <<EOF
hashdeep -c md5,sha256 -r|hashdeep -c md5,sha256 -r $tree
custos-hash -d md5,sha256|$custos -q -d md5,sha256 -o $work/out $tree
custos-hash -d md5,sha256 --no-type|$custos -q --no-type -d md5,sha256 -o $work/out $tree
hashdeep -c sha256 -r|hashdeep -c sha256 -r $tree
custos-hash -d sha256 --no-type|$custos -q --no-type -d sha256 -o $work/out $tree
sha256sum, one process (find, xargs)|find $tree -type f -print0 | xargs -0 sha256sum
EOF
done
echo
echo "vs hashdeep: hashdeep's median time over the tool's, against the hashdeep row"
echo "above it that computes the same algorithms."
