#!/bin/sh
# Benchmark: custos-acquire against dc3dd, dcfldd and ewfacquire on the same
# inputs, same digests and format, the page cache warm. Prints MB/s, peak
# memory, and custos's ratio to each peer. Not a test: it asserts nothing
# about speed (timings depend on the machine); it does check that every tool
# produced the same MD5, so a fast wrong answer cannot pass unnoticed.
#
#   BENCH_SIZE=2G BENCH_RUNS=3 BENCH_DIR=/var/tmp/custos-bench tests/bench/acquire.sh
#
# Needs: the build in build/ (or CUSTOS_ACQUIRE=path), dc3dd, dcfldd,
# ewf-tools, GNU time, openssl. Uses about 4 x BENCH_SIZE of disk.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
acquire=${CUSTOS_ACQUIRE:-$root/build/tools/custos-acquire}
# Absolute: the runs below happen in BENCH_DIR.
acquire=$(cd "$(dirname "$acquire")" 2>/dev/null && pwd)/$(basename "$acquire") ||
  { echo "bench: no $acquire" >&2; exit 2; }
size=${BENCH_SIZE:-2G}
runs=${BENCH_RUNS:-3}
dir=${BENCH_DIR:-/var/tmp/custos-bench}
mkdir -p "$dir"
cd "$dir"

bytes=$(numfmt --from=iec "$size")
if [ ! -f "random-$size" ]; then
  echo "making inputs of $size ..." >&2
  openssl enc -aes-128-ctr -pass pass:custos -nosalt -pbkdf2 </dev/zero 2>/dev/null |
    head -c "$bytes" >"random-$size"
  # Half zeros: alternating 1 MiB of random data and 1 MiB of zeros.
  python3 - "$size" <<'PY'
import sys
size = sys.argv[1]
with open(f"random-{size}", "rb") as r, open(f"mixed-{size}", "wb") as w:
    z = bytes(1 << 20)
    while True:
        b = r.read(1 << 20)
        if not b:
            break
        w.write(b)
        r.read(1 << 20)
        w.write(z[: min(len(z), len(b))])
PY
fi

# run NAME INPUT CMD...: median wall seconds and peak RSS of $runs runs.
run() {
  name=$1 input=$2; shift 2
  cat "$input" >/dev/null
  times=""
  cpus=""
  rss=0
  for i in $(seq "$runs"); do
    rm -rf out && mkdir out && sync
    if [ -n "$shm" ]; then rm -rf "$shm" && mkdir "$shm"; fi
    /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" >log.txt 2>&1 || { echo "$name failed:"; cat log.txt; exit 1; }
    read -r t u sy m <time.txt
    times="$times $t"
    cpus="$cpus $(echo "$u $sy" | awk '{printf "%.2f", $1 + $2}')"
    [ "$m" -gt "$rss" ] && rss=$m
  done
  med=$(echo "$times" | tr ' ' '\n' | grep . | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  cpu=$(echo "$cpus" | tr ' ' '\n' | grep . | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  mbs=$(echo "$bytes $med" | awk '{printf "%.0f", $1 / $2 / 1e6}')
  # CPU seconds say what the work costs even when other load skews wall time.
  printf '%-44s %8s s %7s MB/s %8s KiB %7s cpu-s\n' "$name" "$med" "$mbs" "$rss" "$cpu"
  echo "$mbs" >"mbs-$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')"
}

# run_resume NAME INPUT OUT [OPTION...]: like run, for custos-acquire
# --resume of an acquisition into OUT stopped by SIGINT halfway through its
# writes (tests/fault/crash.c, counted once first); only the resume is
# timed. Checks the resumed image: raw with md5sum, E01 with ewfverify and
# the MD5 ewfinfo shows.
run_resume() {
  name=$1 input=$2 out=$3
  shift 3
  times=""
  rm -rf out && mkdir out
  LD_PRELOAD="$crash" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$PWD/steps.txt" \
    "$acquire" -q --no-authorisation "$@" "$input" -o "out/$out" >/dev/null 2>&1
  half=$(($(cat steps.txt) / 2))
  for i in $(seq "$runs"); do
    rm -rf out && mkdir out && sync
    LD_PRELOAD="$crash" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=$half \
      "$acquire" -q --no-authorisation "$@" "$input" -o "out/$out" >/dev/null 2>&1 &&
      { echo "$name: the run was not interrupted"; exit 1; }
    /usr/bin/time -f "%e" -o time.txt "$acquire" -q --resume "out/$out" >log.txt 2>&1 ||
      { echo "$name failed:"; cat log.txt; exit 1; }
    case $out in
      *.E01) ewfverify -q "out/$out" >/dev/null 2>&1 && ewfinfo "out/$out" | grep -qi "$want" ;;
      *) [ "$(md5_of "out/$out")" = "$want" ] ;;
    esac || { echo "$name: the resumed image differs"; exit 1; }
    times="$times $(cat time.txt)"
  done
  med=$(echo "$times" | tr ' ' '\n' | grep . | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-44s %8s s %7s MB/s\n' "$name" "$med" "$(echo "$bytes $med" | awk '{printf "%.0f", $1 / $2 / 1e6}')"
  echo "$(echo "$bytes $med" | awk '{printf "%.0f", $1 / $2 / 1e6}')" >"mbs-$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')"
}
crash=$root/build/tests/libcustos-crash.so

ratio() { # label custos-name peer-name
  a=$(cat "mbs-$(echo "$2" | tr -c 'a-zA-Z0-9\n' '_')") b=$(cat "mbs-$(echo "$3" | tr -c 'a-zA-Z0-9\n' '_')")
  echo "$a $b" | awk -v l="$1" '{printf "  %-58s %.2fx\n", l, $1 / $2}'
}

md5_of() { # the MD5 each tool reported, for the cross-check
  md5sum <"$1" | cut -d' ' -f1
}

# tmpfs for a second set of raw runs, when it has room for an image.
shm=""
if [ -d /dev/shm ] && [ "$(df -B1 --output=avail /dev/shm | tail -1)" -gt $((bytes * 2)) ]; then
  shm=/dev/shm/custos-bench-$$
  trap 'rm -rf "$shm"' EXIT
fi
echo "custos-acquire benchmark: $size inputs, median of $runs runs, $(nproc) cores, page cache warm"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (wall-time ratios need a quiet machine)"
echo "openssl: $(openssl version)"
for input in random mixed; do
  f="$input-$size"
  want=$(md5_of "$f")
  echo
  echo "== $f (md5 $want)"
  run "openssl dgst -md5 (one-core MD5 ceiling)" "$f" openssl dgst -md5 "$f"
  run "custos raw md5,sha1,sha256 --no-verify -w 0" "$f" \
    "$acquire" -q --no-authorisation --no-verify -w 0 "$f" -o out/c.raw
  run "custos raw md5,sha1,sha256 (windows, verify)" "$f" \
    "$acquire" -q --no-authorisation "$f" -o out/c.raw
  # The resume's extra cost: the kept half is read twice (staged and source) and compared.
  [ -f "$crash" ] && run_resume "custos raw --resume after SIGINT halfway" "$f" c.raw
  run "dc3dd raw md5,sha1,sha256" "$f" \
    dc3dd if="$f" of=out/d.raw hash=md5 hash=sha1 hash=sha256 log=out/d.log
  grep -qi "$want" out/d.log || { echo "dc3dd md5 differs"; exit 1; }
  # custos fsyncs its image before it says done; dc3dd does not. The same
  # durability for dc3dd: its image flushed to the disk inside the timing.
  run "dc3dd raw md5,sha1,sha256 + fsync of the image" "$f" \
    sh -c 'dc3dd if="$1" of=out/d.raw hash=md5 hash=sha1 hash=sha256 log=out/d.log && sync out/d.raw' sh "$f"
  # Output to tmpfs: no disk in the way, the tools' own speed.
  if [ -n "$shm" ]; then
    run "custos raw md5,sha1,sha256 --no-verify -w 0 to tmpfs" "$f" \
      "$acquire" -q --no-authorisation --no-verify -w 0 "$f" -o "$shm/c.raw"
    run "dc3dd raw md5,sha1,sha256 to tmpfs" "$f" \
      dc3dd if="$f" of="$shm/d.raw" hash=md5 hash=sha1 hash=sha256 log=out/d.log
  fi
  run "dcfldd raw md5,sha1,sha256" "$f" \
    dcfldd if="$f" of=out/f.raw hash=md5,sha1,sha256 hashlog=out/f.log
  run "custos e01 fast md5,sha1,sha256 --no-verify -w 0" "$f" \
    "$acquire" -q --no-authorisation --no-verify -w 0 -c fast "$f" -o out/c.E01
  grep -q "$want" out/c.E01.acquire.json || { echo "custos md5 differs"; exit 1; }
  # Two copies from one read (-o A -o B): the second image's cost.
  run "custos -o raw -o e01 fast, no-verify -w 0" "$f" \
    "$acquire" -q --no-authorisation --no-verify -w 0 -c fast "$f" -o out/c2.raw -o out/c2.E01
  cmp -s out/c2.raw "$f" && grep -q "$want" out/c2.E01.acquire.json ||
    { echo "custos two copies differ"; exit 1; }
  run "custos -o raw -o raw, no-verify -w 0" "$f" \
    "$acquire" -q --no-authorisation --no-verify -w 0 "$f" -o out/c2a.raw -o out/c2b.raw
  run "custos e01 best md5,sha1,sha256 --no-verify -w 0" "$f" \
    "$acquire" -q --no-authorisation --no-verify -w 0 -c best "$f" -o out/c.E01
  run "custos e01 fast (windows, verify)" "$f" \
    "$acquire" -q --no-authorisation -c fast "$f" -o out/c.E01
  csize=$(du -cb out/c.E* | tail -1 | cut -f1)
  # The E01 resume's extra cost. libewf resumes after the last whole segment
  # but one (acquire_resume.c), so segments of 256 MiB for both rows.
  run "custos e01 fast -s 256M (windows, verify)" "$f" \
    "$acquire" -q --no-authorisation -c fast -s 256M "$f" -o out/c.E01
  [ -f "$crash" ] && run_resume "custos e01 fast -s 256M --resume, SIGINT halfway" "$f" c.E01 \
    -c fast -s 256M
  run "ewfacquire e01 fast md5,sha1,sha256" "$f" \
    ewfacquire -u -q -t out/e -f encase6 -c fast -d sha1,sha256 -S 1500MiB "$f"
  ewfinfo out/e.E01 | grep -qi "$want" || { echo "ewfacquire md5 differs"; exit 1; }
  echo "  image sizes: custos $csize, ewfacquire $(du -cb out/e.E* | tail -1 | cut -f1)"
  echo " ratios:"
  ratio "custos raw / dc3dd (same work; dc3dd leaves the image unflushed)" "custos raw md5,sha1,sha256 --no-verify -w 0" "dc3dd raw md5,sha1,sha256"
  ratio "custos raw / dc3dd + fsync (same work, same durability)" "custos raw md5,sha1,sha256 --no-verify -w 0" "dc3dd raw md5,sha1,sha256 + fsync of the image"
  if [ -n "$shm" ]; then
    ratio "custos raw / dc3dd, both to tmpfs" "custos raw md5,sha1,sha256 --no-verify -w 0 to tmpfs" "dc3dd raw md5,sha1,sha256 to tmpfs"
    ratio "custos raw to tmpfs / one-core MD5 ceiling" "custos raw md5,sha1,sha256 --no-verify -w 0 to tmpfs" "openssl dgst -md5 (one-core MD5 ceiling)"
  fi
  ratio "custos raw / dcfldd (same work)" "custos raw md5,sha1,sha256 --no-verify -w 0" "dcfldd raw md5,sha1,sha256"
  [ -f "$crash" ] && ratio "custos raw --resume of a half-done run / a full run (time)" \
    "custos raw md5,sha1,sha256 (windows, verify)" "custos raw --resume after SIGINT halfway"
  ratio "custos raw / one-core MD5 ceiling" "custos raw md5,sha1,sha256 --no-verify -w 0" "openssl dgst -md5 (one-core MD5 ceiling)"
  ratio "custos raw + e01, one read / e01 alone (1.00: the copy is free)" "custos -o raw -o e01 fast, no-verify -w 0" "custos e01 fast md5,sha1,sha256 --no-verify -w 0"
  ratio "custos raw + raw, one read / raw alone" "custos -o raw -o raw, no-verify -w 0" "custos raw md5,sha1,sha256 --no-verify -w 0"
  ratio "custos e01 fast / ewfacquire fast (same work)" "custos e01 fast md5,sha1,sha256 --no-verify -w 0" "ewfacquire e01 fast md5,sha1,sha256"
done
rm -rf out time.txt log.txt mbs-* ${shm:+"$shm"}
