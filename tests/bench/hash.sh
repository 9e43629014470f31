#!/bin/sh
# Benchmark: custos-hash against hashdeep and fiwalk on inputs made here,
# with the same digests, from the page cache.
#
#   tree:  20,000 files in 100 directories, 1 KB to 100 KB each (most small,
#          about 690 MB), incompressible content.
#          custos-hash -d all (defaults otherwise: content types on) against
#          hashdeep -c md5,sha1,sha256 -r; custos-hash --no-type beside them.
#   image: an ext4 image of the same tree (mke2fs -d, no mount needed).
#          custos-hash --image -d md5,sha1 (types on) against fiwalk -X
#          (MD5 and SHA-1, no types); custos-hash --image with no options at
#          all (SHA-256, types) too. (fiwalk -f, its file types, runs file(1)
#          once per file: about 200 ms each here, so it is left out.)
#
# Every comparison first checks that both tools give the same digests for
# every file (else it stops: a fast wrong answer is no result). Then the
# median of 3 runs (after one warm-up read): wall seconds, CPU seconds
# (user + system), and the ratio peer wall / custos wall (above 1: custos
# is faster). The load average is printed before and after: on a shared
# machine, repeat when it is high. Never a test: nothing is asserted.
#
# SCALE=1 adds the scaling run (about 15 minutes on 2 cores): custos-hash
# (defaults) on 100,000 and 1,000,000 small files (64 B to 4 KiB), wall
# time, files/s and peak RSS (/usr/bin/time -v), to show that cost grows
# linearly and memory stays well under 1 GiB: RSS per file (the peak over
# the files) and, from the second row on, the growth per added file (what
# the fixed cost, libmagic's database and the threads, does not blur; about
# 400 bytes, tests/e2e/hash-memory.sh fails above 800). LARGE=1 adds 4
# files of 512 MiB (digest speed alone).
#
# Usage: sh tests/bench/hash.sh [BUILD_DIR]   (default build/)
# FILES changes the tree's 20,000 files. BENCH_DIR chooses where the inputs
# are made (default: a temporary directory; about 2.5 GB, 6 GB with SCALE=1).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
# Absolute: the runs below happen in the work directory.
build=$(cd "$build" 2>/dev/null && pwd) || { echo "bench: no build directory ${1:-$root/build}" >&2; exit 2; }
custos=$build/tools/custos-hash
[ -x "$custos" ] || { echo "bench: build custos-hash first ($custos)" >&2; exit 2; }
for t in hashdeep fiwalk mke2fs python3 /usr/bin/time; do
  command -v $t >/dev/null || { echo "bench: $t is missing (sh scripts/install-deps.sh)" >&2; exit 2; }
done
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/custos-bench-XXXXXX")
work=$(cd "$work" && pwd) # the trap runs from inside it
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "custos-hash bench: $(nproc) cores, $(uname -r), $("$custos" --version), hashdeep $(hashdeep -V), $(fiwalk -V 2>&1 | head -1), $(file --version | head -1)"
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }
load

# gen DIR COUNT MIN MAX: COUNT files in 100 (or COUNT/1000) directories,
# sizes from MIN to MAX bytes, most near MIN (the square of a uniform draw).
gen() {
  "$PY" - "$@" <<'EOF'
import os, sys
out, n, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = os.urandom(8 << 20)
dirs = max(100, n // 1000)
for d in range(dirs):
    os.makedirs("%s/d%04d" % (out, d))
x = 12345
for i in range(n):
    x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
    u = (x >> 11) / float(1 << 53)
    size = lo + int(u * u * (hi - lo))
    o = (x >> 7) % (len(r) - size)
    with open("%s/d%04d/f%07d" % (out, i % dirs, i), "wb") as f:
        f.write(r[o:o + size])
EOF
}

# run3 COMMAND...: the median of 3 runs as "wall cpu" seconds.
run3() {
  for i in 1 2 3; do
    rm -rf "$work/out" "$work/out.xml"
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>&1 || true
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/time"
  done | sort -n | sed -n 2p
}

header() {
  echo
  echo "== $1"
  printf '  %-52s %8s %8s %9s %s\n' tool wall-s cpu-s files/s "vs peer (wall)"
}
# row LABEL "WALL CPU" FILES [PEER-WALL PEER-NAME]
row() {
  set -- "$1" ${2} "$3" "${4:-0}" "${5:-}"
  awk -v l="$1" -v w="$2" -v c="$3" -v f="$4" -v p="$5" -v n="$6" 'BEGIN {
    printf "  %-52s %8.2f %8.2f %9.0f", l, w, c, f / w
    if (p > 0) printf "   %.2fx %s", p / w, n
    printf "\n" }'
}
wall() { echo "$1" | cut -d' ' -f1; }

gen tree "${FILES:-20000}" 1024 102400
files=$(find tree -type f | wc -l)
bytes=$(du -sb tree | cut -f1)
find tree -type f -exec cat {} + >/dev/null

# Same digests, file by file, before any timing.
hashdeep -c md5,sha1,sha256 -r -l tree > hd.txt
"$custos" -q -d all -o m.json tree >/dev/null
"$PY" - hd.txt m.json <<'EOF'
import json, sys
hd = {}
for line in open(sys.argv[1]):
    if line[0] in "%#":
        continue
    size, md5, sha1, sha256, name = line.rstrip("\n").split(",", 4)
    hd[name] = (md5, sha1, sha256)
m = {e["path"]: (e["md5"], e["sha1"], e["sha256"]) for e in json.load(open(sys.argv[2]))["entries"] if e["type"] == "file"}
if hd != m or not m:
    sys.exit("bench: custos-hash and hashdeep disagree (%d vs %d files)" % (len(m), len(hd)))
print("  digests: custos-hash -d all and hashdeep agree on all %d files" % len(m))
EOF

header "tree: $files files, $(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1e6}') MB, MD5+SHA-1+SHA-256"
hd=$(run3 hashdeep -c md5,sha1,sha256 -r tree)
c=$(run3 "$custos" -q -d all -o "$work/out" tree)
cn=$(run3 "$custos" -q -d all --no-type -o "$work/out" tree)
row "hashdeep -c md5,sha1,sha256 -r" "$hd" "$files"
row "custos-hash -d all (content types on)" "$c" "$files" "$(wall "$hd")" hashdeep
row "custos-hash -d all --no-type" "$cn" "$files" "$(wall "$hd")" hashdeep

# An ext4 image of the tree (a little room over the content for metadata).
mib=$((bytes / 1048576 * 13 / 10 + 64))
mke2fs -q -t ext4 -b 4096 -d tree -F image.raw "${mib}M" >/dev/null
cat image.raw >/dev/null
fiwalk -X fw.xml image.raw >/dev/null 2>&1
"$custos" -q -d md5,sha1 -o mi.json --image image.raw >/dev/null
"$PY" - fw.xml mi.json <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
fw = {}
for ev, el in ET.iterparse(sys.argv[1]):
    if el.tag.split("}")[-1] != "fileobject":
        continue
    name = meta = None
    digests = {}
    for c in el:
        tag = c.tag.split("}")[-1]
        if tag == "filename":
            name = c.text
        elif tag == "hashdigest":
            digests[c.get("type").lower()] = c.text
        elif tag == "name_type":
            meta = c.text
    if name and name.startswith("d0") and meta == "r" and "md5" in digests:
        fw[name] = (digests["md5"], digests["sha1"])
    el.clear()
m = {e["path"].lstrip("/"): (e["md5"], e["sha1"]) for e in json.load(open(sys.argv[2]))["entries"]
     if e["type"] == "file" and e["path"].lstrip("/").startswith("d0") and "md5" in e}
if fw != m or not m:
    sys.exit("bench: custos-hash --image and fiwalk disagree (%d vs %d files)" % (len(m), len(fw)))
print("  digests: custos-hash --image -d md5,sha1 and fiwalk -X agree on all %d files" % len(m))
EOF
rm -rf tree

header "ext4 image of the tree ($mib MiB), MD5+SHA-1 unless said"
fw=$(run3 fiwalk -X "$work/out.xml" image.raw)
ci=$(run3 "$custos" -q -d md5,sha1 -o "$work/out" --image image.raw)
cin=$(run3 "$custos" -q -d md5,sha1 --no-type -o "$work/out" --image image.raw)
cid=$(run3 "$custos" -q -o "$work/out" --image image.raw)
row "fiwalk -X (no types)" "$fw" "$files"
row "custos-hash --image -d md5,sha1 (types on)" "$ci" "$files" "$(wall "$fw")" "fiwalk -X"
row "custos-hash --image -d md5,sha1 --no-type" "$cin" "$files" "$(wall "$fw")" "fiwalk -X"
row "custos-hash --image (defaults: sha256, types)" "$cid" "$files" "$(wall "$fw")" "fiwalk -X"
rm -f image.raw fw.xml
load

if [ -n "${LARGE:-}" ]; then
  mkdir large
  for i in 0 1 2 3; do head -c 536870912 /dev/urandom > large/big$i.bin; done
  cat large/* >/dev/null
  header "large: 4 files of 512 MiB"
  hd=$(run3 hashdeep -c md5,sha1,sha256 -r large)
  c=$(run3 "$custos" -q -d all -o "$work/out" large)
  row "hashdeep -c md5,sha1,sha256 -r" "$hd" 4
  row "custos-hash -d all" "$c" 4 "$(wall "$hd")" hashdeep
  rm -rf large
fi

if [ -n "${SCALE:-}" ]; then
  echo
  echo "== scaling: custos-hash (defaults: sha256, types), small files of 64 B to 4 KiB"
  printf '  %10s %9s %9s %10s %12s %10s %12s\n' files wall-s cpu-s files/s "peak RSS MiB" \
    "RSS B/file" "growth B/file"
  prev_n=0 prev_kib=0
  for n in 100000 1000000; do
    gen many $n 64 4096
    find many -type f -exec cat {} + >/dev/null
    # run3 leaves its last output behind, and custos-hash never overwrites:
    # without this rm every row timed a refusal.
    rm -rf "$work/out"
    if ! /usr/bin/time -v -o v.txt "$custos" -q -o "$work/out" many >/dev/null 2>scale.err; then
      printf '  %10d failed: %s\n' $n "$(head -n 1 scale.err)"
      rm -rf many; continue
    fi
    awk -v n=$n -v pn=$prev_n -v pk=$prev_kib -F': ' '
      /Elapsed \(wall clock\)/ { k = split($2, t, ":"); w = 0; for (i = 1; i <= k; i++) w = w * 60 + t[i] }
      /User time/ { c += $2 } /System time/ { c += $2 }
      /Maximum resident/ { r = $2 }
      END { printf "  %10d %9.1f %9.1f %10.0f %12.0f %10.0f", n, w, c, n / w, r / 1024, r * 1024 / n
            if (pn > 0) printf " %12.0f", (r - pk) * 1024 / (n - pn)
            printf "\n" }' v.txt
    prev_n=$n prev_kib=$(awk -F': ' '/Maximum resident/ { print $2 }' v.txt)
    rm -rf many "$work/out"
  done
  load
fi
