#!/bin/sh
# The progress line (issue 13 item 5): on a terminal it names its phase
# ("reading", then "verifying" for an acquisition; "hashing"; "writing" of a
# seal package) and its ETA is this phase's, never one computed from an
# earlier phase; with stderr not a terminal, or with -q, nothing is drawn.
# The tools run on a pseudo-terminal (pty-run.py, python3's pty module), so
# isatty(stderr) holds exactly as it does for a person at a console.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"
pty() { "$PY" "$here/pty-run.py" "$@"; }

# Big enough that each phase lasts past the meter's first half second on two
# loaded cores (reading hashes MD5, SHA-1 and SHA-256; the verify pass too).
size_mib=${CUSTOS_PROGRESS_MIB:-768}
head -c $((size_mib * 1048576)) /dev/zero >src.bin || { fail "make the source"; finish; }

# lines TRANSCRIPT: one progress line per line (the \r-redrawn line split,
# the erase-line escape removed).
lines() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g' | grep -E '^[a-z]+ .*MB/s'; }

start=$(date +%s)
pty acq.tty "" -- custos-acquire --no-authorisation src.bin -o acq.raw
rc=$?
wall=$(($(date +%s) - start))
is "acquire on a terminal succeeds" "$rc" 0
lines acq.tty >acq.lines
if grep -q '^reading [0-9.]* [KMGT]*i*B of ' acq.lines; then pass "reading phase named"
else fail "reading phase named" "$(head -c 600 acq.tty | tr '\r\033' '|~')"; fi
if grep -q '^verifying [0-9.]* [KMGT]*i*B of ' acq.lines; then pass "verifying phase named"
else fail "verifying phase named" "$(head -c 600 acq.tty | tr '\r\033' '|~')"; fi
first_r=$(grep -n '^reading' acq.lines | head -n 1 | cut -d: -f1)
first_v=$(grep -n '^verifying' acq.lines | head -n 1 | cut -d: -f1)
last_r=$(grep -n '^reading' acq.lines | tail -n 1 | cut -d: -f1)
if [ -n "$first_r" ] && [ -n "$first_v" ] && [ "$last_r" -lt "$first_v" ]; then
    pass "reading comes first, then verifying, never mixed"
else fail "reading comes first, then verifying, never mixed" "$(cat acq.lines)"; fi
# The verify pass counts from 0: its first line is not near 100 %.
vpct=$(grep '^verifying' acq.lines | head -n 1 | sed -n 's/.*(\([0-9]*\)%).*/\1/p')
if [ -n "$vpct" ] && [ "$vpct" -lt 90 ]; then pass "verify count starts again ($vpct %)"
else fail "verify count starts again" "first verifying line: $(grep '^verifying' acq.lines | head -n 1)"; fi
# Sane ETAs: each at most the whole run's wall time (+2 s of rounding). A
# verify line whose rate was taken over the reading phase too would promise
# many times the run's length on its first lines.
eta_bad=$(sed -n 's/^\([a-z]*\) .*ETA \([0-9]*\):\([0-9]*\):\([0-9]*\)$/\1 \2 \3 \4/p' acq.lines |
    awk -v w="$wall" '{ s = $2 * 3600 + $3 * 60 + $4; if (s > w + 2) print $1, s "s > " w "s" }')
neta=$(grep -c 'ETA' acq.lines)
if [ "$neta" -gt 0 ] && [ -z "$eta_bad" ]; then pass "every ETA ($neta) within the run's ${wall}s"
else fail "every ETA within the run's ${wall}s" "$neta ETAs; bad: $eta_bad" "$(cat acq.lines)"; fi
if grep -q '^verifying.*ETA' acq.lines; then pass "the verify pass shows its own ETA"
else skip "the verify pass shows its own ETA (verify pass under half a second here)"; fi

# Not a terminal: nothing drawn, not a byte of progress on stderr.
run 0 "acquire with stderr to a file" custos-acquire --no-authorisation src.bin -o file.raw
if grep -q 'MB/s\|reading\|verifying' err || tr -d '\n' <err | grep -q "$(printf '\r')"; then
    fail "no progress when stderr is not a terminal" "$(head -c 300 err | tr '\r' '|')"
else pass "no progress when stderr is not a terminal"; fi

# -q on a terminal: silent too.
pty q.tty "" -- custos-acquire -q --no-authorisation src.bin -o q.raw
is "quiet acquire succeeds" "$?" 0
if lines q.tty | grep -q '^reading\|^verifying'; then fail "-q draws no progress line" "$(head -c 300 q.tty | tr '\r' '|')"
else pass "-q draws no progress line"; fi

# custos-hash names its phase too.
pty hash.tty "" -- custos-hash -o m.json src.bin
is "hash on a terminal succeeds" "$?" 0
if lines hash.tty | grep -q '^hashing '; then pass "hashing phase named"
else fail "hashing phase named" "$(head -c 300 hash.tty | tr '\r\033' '|~')"; fi

# custos-seal: hashing, then writing the package, each from 0.
echo "passphrase of k" >k.pass
custos-key generate -q --name "陳志明" --role custodian -o k.key --passphrase-file k.pass >/dev/null ||
    fail "make a key"
mkdir -p ev && cp src.bin ev/
pty seal.tty "" -- custos-seal create --yes --key k.key --passphrase-file k.pass --case C-1 --authorisation A-1 --evidence E-1 --seal S-1 -o pkg.tar ev
is "seal on a terminal succeeds" "$?" 0
lines seal.tty >seal.lines
if grep -q '^hashing' seal.lines && grep -q '^writing' seal.lines; then
    pass "sealing names hashing then writing"
else fail "sealing names hashing then writing" "$(head -c 600 seal.tty | tr '\r\033' '|~')"; fi
fmt_mib() { awk -v m="$1" 'BEGIN { if (m < 1024) printf "%.2f MiB", m; else printf "%.2f GiB", m / 1024 }'; }
once=$(fmt_mib "$size_mib")
if grep '^hashing' seal.lines | grep -q "of $once" && grep '^writing' seal.lines | grep -q "of $once"; then
    pass "each sealing phase counts the payload once ($once), not twice"
else fail "each sealing phase counts the payload once ($once)" "$(cat seal.lines)"; fi
finish
