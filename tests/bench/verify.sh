#!/bin/sh
# Benchmark: full verification throughput of custos-verify against the usual
# tools, on the same inputs, from the page cache.
#
#   E01:    a medium of SIZE MiB (default 2048) of mixed text and random data,
#           acquired by custos-acquire as E01 (fast compression, 1 GiB
#           windows). Each tool's default full check, then the same digests
#           side by side:
#             custos-verify -r RECORD (SHA-256 of the medium, of every window
#               and of every segment file; the E01's stored MD5/SHA-1
#               compared with the record's; every chunk's checksum)
#               against `ewfverify -q` (MD5 and the chunk checksums);
#             custos-verify --digests md5 against `ewfverify -q` (MD5 both);
#             custos-verify --digests all against `ewfverify -q -d
#               sha1,sha256` (MD5, SHA-1 and SHA-256 both).
#   tar.gz: FILES files (default 20000, 512 B to 64 KiB) in a tar.gz;
#           custos-verify -r MANIFEST ARCHIVE against `tar -xzf` into a fresh
#           directory followed by `sha256sum -c` of the manifest's lines.
#
# Prints the median wall time of 3 runs; a custos-verify row also prints its
# speed relative to the peer it is compared with (peer time / custos time:
# above 1 means custos-verify is faster). Never a test: timings are printed,
# never asserted.
#
# Usage: sh tests/bench/verify.sh [BUILD_DIR]   (default build/)
# SIZE (MiB of the medium), FILES and BENCH_DIR (where inputs are made) may be set.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
# Absolute: the runs below happen in the work directory.
build=$(cd "$build" 2>/dev/null && pwd) || { echo "bench: no build directory ${1:-$root/build}" >&2; exit 2; }
bin=$build/tools
[ -x "$bin/custos-verify" ] || { echo "bench: build custos-verify first ($bin)" >&2; exit 2; }
for t in ewfverify sha256sum tar; do
  command -v $t >/dev/null || { echo "bench: $t is missing (sh scripts/install-deps.sh)" >&2; exit 2; }
done
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
size=${SIZE:-2048}
files=${FILES:-20000}
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/custos-bench-XXXXXX")
work=$(cd "$work" && pwd) # the trap runs from inside it
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "custos-verify bench: $(nproc) cores, $(uname -r), $("$bin/custos-verify" --version)"

now() { date +%s.%N; }
median3() {
  for i in 1 2 3; do
    rm -rf "$work/x"
    s=$(now); "$@" >/dev/null 2>&1 || true; e=$(now)
    echo "$s $e" | awk '{printf "%.3f\n", $2 - $1}'
  done | sort -n | sed -n 2p
}
row() { # label seconds bytes [peer-seconds peer-name]
  awk -v l="$1" -v s="$2" -v b="$3" -v r="${4:-0}" -v p="${5:-}" 'BEGIN {
    printf "  %-48s %8.2f s %9.1f MB/s", l, s, b / s / 1e6
    if (r > 0) printf "   %.2fx %s", r / s, p
    printf "\n" }'
}

# E01.
"$PY" - "$size" <<'EOF'
import os, sys
mib = int(sys.argv[1])
text = b"".join(b"log line %08d of the evidence medium, with some words\n" % i for i in range(20000))
with open("medium.bin", "wb") as f:
    for i in range(mib):
        # half compressible text, half random: a realistic mix for E01 deflate
        f.write(text[: 1 << 20] if i % 2 == 0 else os.urandom(1 << 20))
EOF
"$bin/custos-acquire" -q -a BENCH -o disk.E01 medium.bin >/dev/null
rm medium.bin
bytes=$((size * 1024 * 1024))
cat disk.E* >/dev/null
c=$(median3 "$bin/custos-verify" -q -r disk.E01.acquire.json)
cm=$(median3 "$bin/custos-verify" -q --digests md5 -r disk.E01.acquire.json)
ca=$(median3 "$bin/custos-verify" -q --digests all -r disk.E01.acquire.json)
e1=$(median3 ewfverify -q disk.E01)
e3=$(median3 ewfverify -q -d sha1,sha256 disk.E01)
echo "E01, $size MiB medium ($(du -cm disk.E* | tail -1 | cut -f1) MiB on disk):"
row "ewfverify -q (md5)" "$e1" "$bytes"
row "ewfverify -q -d sha1,sha256" "$e3" "$bytes"
row "custos-verify (default: sha256, windows, files)" "$c" "$bytes" "$e1" "ewfverify"
row "custos-verify --digests md5 (+ sha256 windows)" "$cm" "$bytes" "$e1" "ewfverify"
row "custos-verify --digests all" "$ca" "$bytes" "$e3" "ewfverify -d sha1,sha256"
rm -f disk.E*

# tar.gz of many files.
"$PY" - "$files" <<'EOF'
import os, sys
r = os.urandom(1 << 20)
t = b"".join(b"%08d some text that compresses\n" % i for i in range(40000))
for i in range(int(sys.argv[1])):
    d = "evidence/d%03d" % (i // 200)
    os.makedirs(d, exist_ok=True)
    n = 512 + (i * 7919) % 65024
    src = t if i % 2 else r
    o = (i * 104729) % (len(src) - n)
    with open("%s/f%05d" % (d, i), "wb") as f:
        f.write(src[o:o + n])
EOF
"$bin/custos-hash" -q --no-type -o m.json evidence >/dev/null
"$bin/custos-hash" -q -f sha256sum -o SHA256SUMS evidence >/dev/null
tar -czf b.tar.gz evidence
tbytes=$(du -sb evidence | cut -f1)
rm -rf evidence
cat b.tar.gz >/dev/null
c=$(median3 "$bin/custos-verify" -q -r m.json b.tar.gz)
t=$(median3 sh -c 'mkdir x && tar -xzf b.tar.gz -C x && cd x && sha256sum -c --quiet ../SHA256SUMS')
echo "tar.gz, $files files ($((tbytes / 1048576)) MiB, $(($(stat -c %s b.tar.gz) / 1048576)) MiB compressed):"
row "tar -xzf + sha256sum -c" "$t" "$tbytes"
row "custos-verify (stream, sha256)" "$c" "$tbytes" "$t" "tar + sha256sum"
