#!/bin/sh
# custos-hash's memory grows by a bounded amount per file (issue 15: a
# million small files peaked at 1,840 MiB). Two runs, on 20,000 and on
# 60,000 empty files (types on, 2 threads); the growth of the peak resident
# size between them, per added file, must stay under 800 bytes. That
# difference leaves out what every run costs (libmagic's database, thread
# stacks). Measured: about 390 bytes a file; before the entries were built
# in place with shared type texts, about 1,210. The kernel's own count
# (getrusage's ru_maxrss of the child) is the measure.
#
# Skipped under AddressSanitizer, whose redzones and quarantine are memory
# of another order.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

hash=$(command -v custos-hash)
if ldd "$hash" 2>/dev/null | grep -q libasan; then
  echo "1..0 # SKIP custos-hash is built with AddressSanitizer"
  exit 77
fi

# peak COUNT: prints "EXIT PEAK_KIB ENTRIES" for custos-hash on COUNT empty files.
peak() {
  python3 - "$hash" "$1" <<'PY'
import json, os, resource, subprocess, sys
hash, count = sys.argv[1], int(sys.argv[2])
os.mkdir("t%d" % count)
for i in range(count):
    open("t%d/f%06d" % (count, i), "wb").close()
rc = subprocess.call([hash, "-q", "-j", "2", "-o", "m%d.json" % count, "t%d" % count])
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
entries = len(json.load(open("m%d.json" % count))["entries"]) if rc == 0 else 0
print(rc, kib, entries)
PY
}

set -- $(peak 20000)
rc1=$1 kib1=$2 entries1=$3
set -- $(peak 60000)
rc2=$1 kib2=$2 entries2=$3
check "20,000 files: exit 0 and 20,000 entries (got $rc1, $entries1)" \
    '[ "$rc1" = 0 ] && [ "$entries1" = 20000 ]'
check "60,000 files: exit 0 and 60,000 entries (got $rc2, $entries2)" \
    '[ "$rc2" = 0 ] && [ "$entries2" = 60000 ]'
per=$(( (kib2 - kib1) * 1024 / 40000 ))
echo "# peak RSS: $kib1 KiB for 20,000 files, $kib2 KiB for 60,000: $per bytes per added file"
check "peak RSS grows by under 800 bytes a file (got $per)" '[ "$per" -lt 800 ]'

echo "1..$n"
[ "$failed" -eq 0 ]
