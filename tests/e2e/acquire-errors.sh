#!/bin/sh
# custos-acquire on a medium with unreadable sectors, made with the LD_PRELOAD
# shim tests/fault/fault.c: every read that overlaps a bad sector fails as a
# whole with EIO, as a buffered read near a bad sector does on a real disk.
# Checks: exit 3; exactly the bad sectors are zero in the image (compared
# with the source sector by sector); the record's unreadable_ranges are the
# injected ranges, merged; the E01 acquiry errors (ewfinfo -e) list them;
# the summary names them; a stream with a read error stops the run (exit 7).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

shim=${CUSTOS_FAULT_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
    fail "the fault shim is built (CUSTOS_FAULT_SHIM=$shim)"
    finish
fi

# faulty FILE SECTORS COMMAND...: runs COMMAND with FILE's SECTORS failing.
faulty() {
    path=$1 sectors=$2; shift 2
    LD_PRELOAD=$shim CUSTOS_FAULT_PATH=$path CUSTOS_FAULT_SECTORS=$sectors \
        CUSTOS_FAULT_LOG=$work/fault.log "$@"
}

# expect_image NAME SOURCE IMAGE SECTOR_BYTES BADLIST: IMAGE has SOURCE's
# size, every sector of BADLIST ("a-b,c", in SECTOR_BYTES units) is zeros,
# every other sector equals SOURCE's.
expect_image() {
    bad=$("$PY" - "$2" "$3" "$4" "$5" <<'EOF'
import sys
src = open(sys.argv[1], "rb").read(); img = open(sys.argv[2], "rb").read()
ss = int(sys.argv[3]); bad = set()
for part in sys.argv[4].split(","):
    a, _, b = part.partition("-")
    bad.update(range(int(a), int(b or a) + 1))
if len(img) != len(src):
    print("image is", len(img), "bytes, source", len(src))
wrong = []
for s in range((len(src) + ss - 1) // ss):
    got, want = img[s * ss:(s + 1) * ss], src[s * ss:(s + 1) * ss]
    if s in bad:
        want = bytes(len(want))
    if got != want:
        wrong.append(s)
if wrong:
    print(len(wrong), "sectors wrong, first:", wrong[:10], "(bad sectors:", sorted(bad)[:20], ")")
EOF
)
    if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$bad"; fi
}

# ranges RECORD: the record's unreadable ranges as "first+count ..."
ranges() {
    jget "$1" "' '.join('%d+%d' % (x['first_sector'], x['sector_count']) for x in r['read_errors']['unreadable_ranges'])"
}

# A random medium of 16 MiB + 300 KiB (33368 sectors): the last 1 MiB read is
# partial. Bad: two ranges adjacent across the 1 MiB boundary at sector 2048,
# a run of 8, a single sector, two adjacent ranges inside one read, sectors
# in the last partial read, and the very last sector.
head -c $((16 * 1024 * 1024 + 300 * 1024)) /dev/urandom >medium.bin
chmod 0444 medium.bin
BADS="2046-2047,2048-2049,10000-10007,20000,30000-30003,30004-30005,33000-33001,33367"
want_ranges="2046+4 10000+8 20000+1 30000+6 33000+2 33367+1"
src_sha256=$(sha256 medium.bin)

# The shim works: a plain dd over a bad sector fails, elsewhere it reads.
if faulty "$work/medium.bin" "$BADS" dd if=medium.bin of=/dev/null bs=512 skip=10000 count=1 status=none 2>/dev/null; then
    fail "the shim fails a read of a bad sector"
else pass "the shim fails a read of a bad sector"; fi
check "the shim passes a read of a good sector" \
    env LD_PRELOAD="$shim" CUSTOS_FAULT_PATH="$work/medium.bin" CUSTOS_FAULT_SECTORS="$BADS" \
    dd if=medium.bin of=/dev/null bs=512 skip=9999 count=1 status=none

# --- raw ---------------------------------------------------------------------------------
mkdir raw
rm -f fault.log
faulty medium.bin "$BADS" custos-acquire -q -a W-1 medium.bin -o raw/m.raw >out 2>err
rc=$?
is "raw with bad sectors: exit 3" "$rc" 3
cp out raw.summary
check "the shim failed reads during the run" test -s fault.log
expect_image "raw: exactly the bad sectors are zeros, all others equal the source" \
    medium.bin raw/m.raw 512 "$BADS"
is "record: unreadable ranges = the injected ranges, merged" "$(ranges raw/m.raw.acquire.json)" "$want_ranges"
is "record: offsets and lengths in bytes" \
    "$(jget raw/m.raw.acquire.json "[(x['offset_bytes'], x['length_bytes']) for x in r['read_errors']['unreadable_ranges']]")" \
    "[[1047552, 2048], [5120000, 4096], [10240000, 512], [15360000, 3072], [16896000, 1024], [17083904, 512]]"
is "record: 22 unreadable sectors of 512 bytes, zero-filled" \
    "$(jget raw/m.raw.acquire.json "[r['read_errors'][k] for k in ('unreadable_sectors', 'sector_bytes', 'fill')]")" \
    '[22, 512, "zeros"]'
is "record: status complete-with-read-errors" "$(jget raw/m.raw.acquire.json "r['status']")" \
    complete-with-read-errors
is "record: sha256 is that of the image written (zeros included)" \
    "$(jget raw/m.raw.acquire.json "r['digests']['sha256']")" "$(sha256 raw/m.raw)"
is "record: md5 is that of the image written" "$(jget raw/m.raw.acquire.json "r['digests']['md5']")" "$(md5 raw/m.raw)"
check_record_files "record: the image file's size, sha256 and mode" raw/m.raw.acquire.json
missing=
for r in 2046-2049 10000-10007 20000-20000 30000-30005 33000-33001 33367-33367; do
    grep -q "sectors $r\($\|: \)" raw.summary || missing="$missing $r" # ": FILES" follows (badsector_map.c)
done
is "the summary names every bad range" "$missing" ""
check "the summary counts 22 sectors in 6 ranges" grep -q "22 sectors of 512 bytes in 6 ranges" raw.summary
check "stderr warns that sectors could not be read" grep -q "medium.bin: .*could not be read" err
is "the source is unchanged" "$(sha256 medium.bin)" "$src_sha256"
no_leftovers "raw: no staging directory left" raw

# --- E01 --------------------------------------------------------------------------------
mkdir e01
faulty medium.bin "$BADS" custos-acquire -q -a W-1 -s 4M medium.bin -o e01/m.E01 >out 2>err
is "E01 with bad sectors: exit 3" "$?" 3
ewfinfo -e e01/m.E01 >ewfinfo.out 2>&1
missing=
# ewfinfo -e prints "at sector(s): FIRST - LAST number: COUNT".
for r in "2046 - 2049 number: 4" "10000 - 10007 number: 8" "20000 - 20000 number: 1" \
    "30000 - 30005 number: 6" "33000 - 33001 number: 2" "33367 - 33367 number: 1"; do
    grep -q "at sector(s): $r\$" ewfinfo.out || missing="$missing [$r]"
done
if [ -z "$missing" ] && [ "$(grep -c 'at sector(s)' ewfinfo.out)" -eq 6 ]; then
    pass "E01: ewfinfo -e lists exactly the 6 bad ranges as acquiry errors"
else fail "E01: ewfinfo -e lists exactly the 6 bad ranges as acquiry errors" "missing:$missing" "$(cat ewfinfo.out)"; fi
check "E01: ewfverify succeeds (the stored MD5 is that of the zero-filled image)" ewfverify -q e01/m.E01
ewfexport -q -u -f raw -t e01/exported e01/m.E01 >/dev/null 2>&1
expect_image "E01 (ewfexport): exactly the bad sectors are zeros, all others equal the source" \
    medium.bin e01/exported.raw 512 "$BADS"
is "E01 record: unreadable ranges = the injected ranges, merged" "$(ranges e01/m.E01.acquire.json)" "$want_ranges"
is "E01 record: md5 = md5sum of the exported image" "$(jget e01/m.E01.acquire.json "r['digests']['md5']")" \
    "$(md5 e01/exported.raw)"
check_record_files "E01 record: each segment's size, sha256 and mode" e01/m.E01.acquire.json
no_leftovers "E01: no staging directory left" e01

# --- sector size 4096: a bad 512-byte sector costs its whole 4096-byte sector ------------
mkdir big
faulty medium.bin 8001 custos-acquire -q -a W-1 --sector-size 4096 -w 4M medium.bin -o big/m.raw >out 2>err
is "--sector-size 4096: exit 3" "$?" 3
expect_image "--sector-size 4096: exactly sector 1000 (4096 bytes) is zeros" medium.bin big/m.raw 4096 1000
is "--sector-size 4096: record range 1000+1, sector_bytes 4096" \
    "$(ranges big/m.raw.acquire.json) $(jget big/m.raw.acquire.json "r['read_errors']['sector_bytes']")" "1000+1 4096"
check_windows "--sector-size 4096: piecewise windows are over the image written" big/m.raw.acquire.json big/m.raw 4194304

# --- the partial last sector of a medium whose size is not a multiple of 512 -------------
head -c $((2 * 1024 * 1024 + 1000)) /dev/urandom >odd.bin
mkdir odd
faulty odd.bin 4097 custos-acquire -q --no-authorisation odd.bin -o odd/o.raw >out 2>err
is "partial last sector unreadable: exit 3" "$?" 3
expect_image "partial last sector: the image keeps the size, its 488 bytes are zeros" odd.bin odd/o.raw 512 4097
is "partial last sector: record range 4097+1" "$(ranges odd/o.raw.acquire.json)" "4097+1"

# --- no retries --------------------------------------------------------------------------
mkdir noretry
rm -f fault.log
faulty medium.bin 20000 custos-acquire -q --no-authorisation --retries 0 medium.bin -o noretry/m.raw >out 2>err
is "--retries 0: exit 3" "$?" 3
is "--retries 0: range 20000+1" "$(ranges noretry/m.raw.acquire.json)" "20000+1"
# One failed 1 MiB read, then one failed read of the sector on its own.
is "--retries 0: exactly 2 failed reads" "$(wc -l <fault.log)" 2
rm -f fault.log
faulty medium.bin 20000 custos-acquire -q --no-authorisation --retries 3 medium.bin -o noretry/m3.raw >out 2>err
is "--retries 3: 4 + 4 failed reads" "$(wc -l <fault.log)" 8
is "--retries 3: record says 3 retries per read" \
    "$(jget noretry/m3.raw.acquire.json "r['read_errors']['retries_per_read']")" 3

# --- a stream cannot be re-read: a read error stops the run -------------------------------
mkdir stream
faulty medium.bin 10000 custos-acquire -q --no-authorisation - -o stream/s.raw <medium.bin >out 2>err
is "stream with a read error: exit 7" "$?" 7
is "stream: one line on stderr" "$(wc -l <err)" 1
check "stream: the message names standard input or the read error" grep -Eq "read error|standard input|-:" err
check "stream: no image published" test ! -e stream/s.raw
check "stream: no record published" test ! -e stream/s.raw.acquire.json
no_leftovers "stream: no staging directory left" stream

finish
