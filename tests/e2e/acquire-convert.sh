#!/bin/sh
# custos-acquire as a converter: an E01 set, a split raw set and standard
# input as sources give back the original bytes (sha256sum, cmp, ewfverify);
# a split set with a missing segment and a damaged E01 are refused.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

make_fat disk.img 24 files || { fail "make the FAT image"; finish; }
src_sha256=$(sha256 disk.img)
src_md5=$(md5 disk.img)
acq() { custos-acquire -q --no-authorisation "$@"; }

# --- E01 (several segments, made by ewfacquire, not custos) -> raw ---------------------
if ewfacquire -u -q -t ref -f encase6 -c fast -S 1MiB -b 64 disk.img >ewfacquire.out 2>&1 &&
    [ -e ref.E02 ]; then
    pass "ewfacquire makes a reference E01 set with several segments"
else fail "ewfacquire makes a reference E01 set with several segments" "$(tail -n 5 ewfacquire.out)"; fi
run 0 "convert an ewfacquire E01 set to raw" acq ref.E01 -o fromewf.raw
check "E01 -> raw: byte-identical to the original" cmp disk.img fromewf.raw
is "E01 -> raw: record source kind ewf, segments" \
    "$(jget fromewf.raw.acquire.json "[r['source']['kind'], r['source']['segments']]")" \
    "[\"ewf\", $(ls ref.E?? | wc -l)]"
is "E01 -> raw: record md5 = md5sum of the original" "$(jget fromewf.raw.acquire.json "r['digests']['md5']")" "$src_md5"

# --- custos E01 -> raw and -> E01 -------------------------------------------------------
run 0 "acquire to E01 (2 MiB segments)" acq -s 2M disk.img -o a.E01
run 0 "convert custos's E01 to raw" acq a.E01 -o a.raw
check "custos E01 -> raw: byte-identical" cmp disk.img a.raw
run 0 "convert E01 to E01, best compression" acq -c best a.E01 -o b.E01
check "E01 -> E01: ewfverify succeeds" ewfverify -q b.E01
ewfinfo b.E01 >info.b 2>&1
check "E01 -> E01: ewfinfo's MD5 = md5sum of the original" grep -q "MD5:.*$src_md5" info.b

# --- split raw as source ---------------------------------------------------------------
split -b 5M -d -a 3 --numeric-suffixes=1 disk.img part.
check "split(1) made part.001 ..." test -e part.005
run 0 "convert a split raw set (part.001) to raw" acq part.001 -o joined.raw
check "split -> raw: byte-identical" cmp disk.img joined.raw
is "split -> raw: record source kind split-raw, segments" \
    "$(jget joined.raw.acquire.json "[r['source']['kind'], r['source']['segments']]")" \
    "[\"split-raw\", $(ls part.0* | wc -l)]"
run 0 "custos split output as a source" acq -s 3M disk.img -o s.raw
run 0 "convert custos's split set to E01" acq s.raw.001 -o s.E01
check "split -> E01: ewfverify succeeds" ewfverify -q s.E01
ewfinfo s.E01 >info.s 2>&1
check "split -> E01: ewfinfo's MD5 = md5sum of the original" grep -q "MD5:.*$src_md5" info.s

# A set with a lost segment in the middle is refused, not read as a short medium.
mkdir gap && cp part.* gap/ && rm gap/part.003
run 5 "split set with part.003 missing: refused as corrupt" acq gap/part.001 -o gap/out.raw
is "missing segment: one line on stderr" "$(wc -l <err)" 1
check "missing segment: nothing published" test ! -e gap/out.raw -a ! -e gap/out.raw.acquire.json
no_leftovers "missing segment: no staging directory left" gap

# --- standard input ----------------------------------------------------------------------
cat disk.img | custos-acquire -q --no-authorisation - -o stdin.raw >out 2>err
is "cat img | custos-acquire - -o out.raw: exit 0" "$?" 0
check "stdin -> raw: byte-identical" cmp disk.img stdin.raw
is "stdin: record source kind stream, size, sha256" \
    "$(jget stdin.raw.acquire.json "[r['source']['kind'], r['bytes'], r['digests']['sha256']]")" \
    "[\"stream\", $(fsize disk.img), \"$src_sha256\"]"
check_record_files "stdin: record lists the image with its sha256" stdin.raw.acquire.json
cat disk.img | custos-acquire -q --no-authorisation -s 2M - -o stdin.E01 >out 2>err
is "cat img | custos-acquire - -o out.E01 (size unknown in advance): exit 0" "$?" 0
check "stdin -> E01: ewfverify succeeds" ewfverify -q stdin.E01
ewfinfo stdin.E01 >info.stdin 2>&1
check "stdin -> E01: ewfinfo's media size is the stream's" grep -q "Media size:.*($(fsize disk.img) bytes)" info.stdin
check "stdin -> E01: ewfinfo's MD5 = md5sum" grep -q "MD5:.*$src_md5" info.stdin
# An empty stream is a medium of 0 bytes.
custos-acquire -q --no-authorisation - -o empty.raw </dev/null >out 2>err
is "empty standard input: exit 0" "$?" 0
is "empty stream: 0 bytes, sha256 of nothing" \
    "$(jget empty.raw.acquire.json "[r['bytes'], r['digests']['sha256']]")" \
    '[0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]'

# --- a damaged E01 as source -----------------------------------------------------------
# Uncompressed, so a byte in the middle is chunk data covered by an Adler-32.
run 0 "acquire to an uncompressed E01" acq -c none disk.img -o plain.E01
cp plain.E01 bad.E01 && chmod u+w bad.E01
# Flip every bit of one byte (writing a fixed byte would change nothing when
# the byte is already that value).
off=$((8 * 1024 * 1024))
byte=$(od -An -tu1 -j "$off" -N1 bad.E01 | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 255)))" | dd of=bad.E01 bs=1 seek="$off" conv=notrunc status=none
if ewfverify -q bad.E01 >/dev/null 2>&1; then fail "ewfverify rejects the damaged E01"
else pass "ewfverify rejects the damaged E01"; fi
custos-acquire -q --no-authorisation bad.E01 -o frombad.raw >out 2>err
rc=$?
# A checksum error in the source is a damaged medium: exit 5 (corrupt), or 3
# with the chunk mapped as unreadable; never 0 with the damage passed off.
if [ $rc -eq 5 ] || { [ $rc -eq 3 ] && [ "$(jget frombad.raw.acquire.json "r['read_errors']['unreadable_sectors']")" -gt 0 ]; }; then
    pass "damaged E01 as source: not converted silently (exit $rc)"
else fail "damaged E01 as source: not converted silently" "exit $rc; stderr: $(cat err)"; fi
if [ $rc -eq 3 ]; then
    # The map is the damaged chunk (64 sectors of 512 bytes, chunk-aligned):
    # inside it zeros, outside it the original bytes.
    bad=$("$PY" - disk.img frombad.raw frombad.raw.acquire.json <<'PYEOF'
import json, sys
src = open(sys.argv[1], "rb").read(); img = open(sys.argv[2], "rb").read()
r = json.load(open(sys.argv[3]))
ranges = [(x["first_sector"], x["sector_count"]) for x in r["read_errors"]["unreadable_ranges"]]
mapped = set()
for a, c in ranges:
    if a % 64 or c % 64:
        print("range", a, c, "is not whole chunks")
    mapped.update(range(a, a + c))
if len(ranges) != 1 or ranges[0][1] != 64:
    print("want one chunk mapped, got", ranges)
if len(img) != len(src):
    print("size", len(img), "want", len(src))
for s in range(len(src) // 512):
    want = bytes(512) if s in mapped else src[s * 512:(s + 1) * 512]
    if img[s * 512:(s + 1) * 512] != want:
        print("sector", s, "wrong"); break
PYEOF
)
    if [ -z "$bad" ]; then pass "damaged E01: exactly the damaged chunk is mapped and zero-filled"
    else fail "damaged E01: exactly the damaged chunk is mapped and zero-filled" "$bad"; fi
fi

# An E01 holds whole sectors: a stream of 1000 bytes cannot go to E01, and
# nothing that looks like an image may be left.
mkdir oddstream
head -c 1000 /dev/urandom | custos-acquire -q --no-authorisation - -o oddstream/s.E01 >out 2>err
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 3 ]; then pass "1000-byte stream to E01: refused (exit $rc)"
else fail "1000-byte stream to E01: refused" "exit $rc; $(cat err)"; fi
is "1000-byte stream to E01: nothing published, no staging directory" "$(ls -A oddstream)" ""
is "1000-byte stream to E01: one line on stderr" "$(wc -l <err)" 1

finish
