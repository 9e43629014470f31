#!/bin/sh
# custos-acquire end to end: a FAT disk image made here (mkfs.fat, mtools) and
# random data, acquired to raw, split raw and E01 at every compression level,
# checked with independent tools: sha256sum/md5sum/sha1sum, ewfverify,
# ewfinfo, fls, icat, dd, and python3's json module for the record.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

meta() {
    custos-acquire -a "Warrant 2026-117" --case-number "C-42" --evidence-number "E-7" \
        --examiner "J. Chen" --description "USB stick, blue" --notes "seized at desk 3" "$@"
}

make_fat disk.img 40 files || { fail "make the FAT image"; finish; }
src_sha256=$(sha256 disk.img)
src_md5=$(md5 disk.img)
src_sha1=$(sha1 disk.img)
src_size=$(fsize disk.img)
src_mtime=$(stat -c %Y.%y disk.img)
fls_list -f fat disk.img >fls.src
if grep -q 'RANDOM2.BIN' fls.src && grep -q 'README.TXT' fls.src; then pass "fls lists the files of the source"
else fail "fls lists the files of the source" "$(cat fls.src)"; fi

# --- raw, one file -------------------------------------------------------------
mkdir raw
run 0 "acquire to one raw file" meta -w 4M disk.img -o raw/disk.raw
cp out raw.summary
is "raw image sha256 = sha256sum of the source" "$(sha256 raw/disk.raw)" "$src_sha256"
is "raw image md5 = md5sum of the source" "$(md5 raw/disk.raw)" "$src_md5"
is "raw image size" "$(fsize raw/disk.raw)" "$src_size"
for alg in md5 sha1 sha256; do
    eval "want=\$src_$alg"
    got=$(awk -v a="$alg" '$1 == a { print $2 }' raw.summary)
    is "printed $alg = ${alg}sum of the source" "$got" "$want"
    is "record digests.$alg = ${alg}sum of the source" \
        "$(jget raw/disk.raw.acquire.json "r['digests']['$alg']")" "$want"
done
is "record: verification matched" "$(jget raw/disk.raw.acquire.json "r['verification']['result']")" match
is "record: verification digests = sha256sum" \
    "$(jget raw/disk.raw.acquire.json "r['verification']['digests']['sha256']")" "$src_sha256"
is "record: source kind, size" \
    "$(jget raw/disk.raw.acquire.json "[r['source']['kind'], r['source']['size_bytes'], r['bytes']]")" \
    "[\"file\", $src_size, $src_size]"
is "record: status complete, no read errors" \
    "$(jget raw/disk.raw.acquire.json "[r['status'], r['read_errors']['unreadable_ranges']]")" \
    '["complete", []]'
is "record: case metadata" \
    "$(jget raw/disk.raw.acquire.json "[r['case'][k] for k in ('case_number', 'evidence_number', 'examiner', 'description', 'notes')]")" \
    '["C-42", "E-7", "J. Chen", "USB stick, blue", "seized at desk 3"]'
is "record: authorisation" \
    "$(jget raw/disk.raw.acquire.json "r['case']['authorisation']")" \
    '{"reference": "Warrant 2026-117", "acquired_without": false}'
is "record: one output file" "$(jget raw/disk.raw.acquire.json "[f['path'] for f in r['output']['files']]")" \
    '["raw/disk.raw"]'
check_record_files "record: raw file size, sha256 and mode 0444" raw/disk.raw.acquire.json
check_windows "record: 4 MiB piecewise windows tile the medium and match dd | sha256sum" \
    raw/disk.raw.acquire.json disk.img 4194304
fls_list -f fat raw/disk.raw >fls.raw
check "fls -r on the raw image = on the source" cmp fls.src fls.raw
is "the source is unchanged (sha256)" "$(sha256 disk.img)" "$src_sha256"
is "the source is unchanged (mtime)" "$(stat -c %Y.%y disk.img)" "$src_mtime"

# --- raw, default 1 GiB window (one window over the whole medium), no verify ----
# The single window and the file's own SHA-256 come from the medium's SHA-256
# lane rather than a second pass: both must still be what sha256sum says.
mkdir raw1w
run 0 "acquire to one raw file, default window, --no-verify" meta --no-verify disk.img -o raw1w/disk.raw
check_windows "record: the one default window matches dd | sha256sum" \
    raw1w/disk.raw.acquire.json disk.img 1073741824
check_record_files "record (--no-verify): raw file size, sha256 and mode 0444" raw1w/disk.raw.acquire.json
is "record (--no-verify): verification not done" \
    "$(jget raw1w/disk.raw.acquire.json "r['verification']['result']")" "not-verified"

# --- raw, split ------------------------------------------------------------------
mkdir split
seg=$((7 * 1024 * 1024))
run 0 "acquire to split raw (-s 7M)" meta -s 7M -w 3M disk.img -o split/disk.raw
nseg=$(( (src_size + seg - 1) / seg ))
is "split: $nseg segments named .001 ..." "$(cd split && ls disk.raw.0* | tr '\n' ' ')" \
    "$(i=1; while [ $i -le $nseg ]; do printf 'disk.raw.%03d ' $i; i=$((i + 1)); done)"
check "split: no unsplit file" test ! -e split/disk.raw
is "split: cat of the segments sha256 = sha256sum of the source" \
    "$(cat split/disk.raw.0* | sha256sum | cut -d' ' -f1)" "$src_sha256"
is "split: cat of the segments md5 = md5sum of the source" \
    "$(cat split/disk.raw.0* | md5sum | cut -d' ' -f1)" "$src_md5"
is "split: every segment but the last is 7 MiB" \
    "$(for f in split/disk.raw.0*; do fsize "$f"; done | head -n $((nseg - 1)) | sort -u)" "$seg"
is "record (split): digests = sha256sum, md5sum, sha1sum" \
    "$(jget split/disk.raw.acquire.json "[r['digests'][a] for a in ('md5', 'sha1', 'sha256')]")" \
    "[\"$src_md5\", \"$src_sha1\", \"$src_sha256\"]"
is "record (split): every segment listed, in order" \
    "$(jget split/disk.raw.acquire.json "' '.join(f['path'] for f in r['output']['files'])")" \
    "$(ls split/disk.raw.0* | tr '\n' ' ' | sed 's/ $//')"
check_record_files "record (split): each segment's size, sha256 and mode 0444" split/disk.raw.acquire.json
check_windows "record (split): 3 MiB windows match dd | sha256sum" split/disk.raw.acquire.json disk.img 3145728
is "record (split): segment_bytes" "$(jget split/disk.raw.acquire.json "r['output']['segment_bytes']")" "$seg"

# --- E01 at every compression level, in 1 MiB segments ---------------------------------
for level in none empty-block fast best; do
    mkdir "e01-$level"
    base=e01-$level/disk
    run 0 "acquire to E01, compression $level, 1 MiB segments" \
        meta -c "$level" -s 1M disk.img -o "$base.E01"
    cp out "$base.summary"
    nsegs=$(ls "$base".E?? | wc -l)
    if [ "$nsegs" -ge 3 ]; then pass "E01 ($level): several segments ($nsegs)"
    else fail "E01 ($level): several segments" "only $nsegs: $(ls "$base".E??)"; fi
    if ewfverify -q "$base.E01" >ewfverify.out 2>&1 && grep -q 'SUCCESS' ewfverify.out; then
        pass "E01 ($level): ewfverify succeeds"
    else fail "E01 ($level): ewfverify succeeds" "$(cat ewfverify.out)"; fi
    if grep -q "MD5 hash calculated over data:.*$src_md5" ewfverify.out; then
        pass "E01 ($level): ewfverify's MD5 over the data = md5sum of the source"
    else fail "E01 ($level): ewfverify's MD5 over the data = md5sum of the source" "$(cat ewfverify.out)"; fi
    ewfinfo "$base.E01" >ewfinfo.out 2>&1
    bad=
    for want in "Case number:[[:space:]]*C-42" "Examiner name:[[:space:]]*J. Chen" \
        "Evidence number:[[:space:]]*E-7" "Description:[[:space:]]*USB stick, blue" \
        "Notes:.*Authorisation: Warrant 2026-117.*seized at desk 3" \
        "MD5:[[:space:]]*$src_md5" "SHA1:[[:space:]]*$src_sha1" \
        "Media size:.*($src_size bytes)" "Bytes per sector:[[:space:]]*512"; do
        grep -Eq "$want" ewfinfo.out || bad="$bad [$want]"
    done
    if [ -z "$bad" ]; then pass "E01 ($level): ewfinfo shows the case metadata, authorisation, MD5, SHA-1, size"
    else fail "E01 ($level): ewfinfo shows the case metadata, authorisation, MD5, SHA-1, size" \
        "missing:$bad" "$(cat ewfinfo.out)"; fi
    case $level in
        none) want_level="no compression" ;;
        fast) want_level="good (fast) compression" ;;
        best) want_level="best compression" ;;
        *) want_level= ;;
    esac
    if [ -n "$want_level" ]; then
        if grep -q "Compression level:[[:space:]]*$want_level" ewfinfo.out; then
            pass "E01 ($level): ewfinfo shows the compression level"
        else fail "E01 ($level): ewfinfo shows the compression level" "$(grep -i compression ewfinfo.out)"; fi
    fi
    fls_list -f fat "$base.E01" >"fls.$level"
    check "E01 ($level): fls -r = on the source" cmp fls.src "fls.$level"
    inode=$(awk '$NF == "RANDOM2.BIN" { sub(":", "", $(NF-1)); print $(NF-1) }' "fls.$level")
    is "E01 ($level): icat of EVIDENCE/RANDOM2.BIN = the original file" \
        "$(icat -f fat "$base.E01" "${inode:-0}" 2>/dev/null | sha256sum | cut -d' ' -f1)" \
        "$(sha256 files/RANDOM2.BIN)"
    is "E01 ($level): printed md5 = md5sum" "$(awk '$1 == "md5" { print $2 }' "$base.summary")" "$src_md5"
    is "E01 ($level): record digests = sha256sum, md5sum, sha1sum" \
        "$(jget "$base.E01.acquire.json" "[r['digests'][a] for a in ('md5', 'sha1', 'sha256')]")" \
        "[\"$src_md5\", \"$src_sha1\", \"$src_sha256\"]"
    is "E01 ($level): record lists every segment, in order" \
        "$(jget "$base.E01.acquire.json" "' '.join(f['path'] for f in r['output']['files'])")" \
        "$(ls "$base".E?? | tr '\n' ' ' | sed 's/ $//')"
    check_record_files "E01 ($level): record: each segment's size, sha256 and mode 0444" "$base.E01.acquire.json"
    is "E01 ($level): record output format, compression" \
        "$(jget "$base.E01.acquire.json" "[r['output']['format'], r['output']['compression']]")" \
        "[\"e01\", \"$level\"]"
    # Each segment at most the segment size (libewf may round down, never up).
    big=$(for f in "$base".E??; do [ "$(fsize "$f")" -gt 1048576 ] && echo "$f"; done)
    is "E01 ($level): no segment over 1 MiB" "$big" ""
done
is "source unchanged after every acquisition" "$(sha256 disk.img) $(stat -c %Y.%y disk.img)" \
    "$src_sha256 $src_mtime"

# --- random data ----------------------------------------------------------------------
head -c $((5 * 1024 * 1024 + 3 * 512)) /dev/urandom >rnd.bin
mkdir rnd
run 0 "acquire random data to E01" custos-acquire -q --no-authorisation -c best rnd.bin -o rnd/rnd.E01
check "random E01: ewfverify succeeds" ewfverify -q rnd/rnd.E01
ewfexport -q -t rnd/exported -f raw -u rnd/rnd.E01 >/dev/null 2>&1
is "random E01: ewfexport gives back the bytes" "$(sha256 rnd/exported.raw 2>/dev/null)" "$(sha256 rnd.bin)"

# A size that is not a multiple of the sector size: raw keeps every byte.
head -c $((5 * 1024 * 1024 + 777)) /dev/urandom >odd.bin
mkdir odd
run 0 "acquire an odd-sized random file to raw" custos-acquire -q --no-authorisation odd.bin -o odd/odd.raw
check "odd raw: byte-identical" cmp odd.bin odd/odd.raw
is "odd raw: record size" "$(jget odd/odd.raw.acquire.json "r['bytes']")" "$(fsize odd.bin)"
# EnCase 6 counts whole sectors (libewf 20140813 drops a partial last one:
# even ewfacquire's own image then fails ewfverify). custos must not pass off
# such an image: either it succeeds with an image that ewfverify accepts, or
# it refuses, publishing nothing, without calling it a verification mismatch.
custos-acquire -q --no-authorisation odd.bin -o odd/odd.E01 >out 2>err
rc=$?
if [ $rc -eq 0 ]; then
    check "odd E01: exit 0, and ewfverify succeeds" ewfverify -q odd/odd.E01
elif [ $rc -ne 1 ] && [ $rc -ne 3 ] && [ ! -e odd/odd.E01 ] && [ ! -e odd/odd.E01.acquire.json ] &&
    [ "$(wc -l <err)" -eq 1 ]; then
    pass "odd E01: refused (exit $rc), nothing published: $(cat err)"
else
    fail "odd E01: succeeds with a verifiable image, or is refused (not as a mismatch)" \
        "exit $rc; stderr: $(cat err)"
fi
no_leftovers "odd E01: no staging directory left" odd

# --- a subset of digests ----------------------------------------------------------
mkdir subset
run 0 "acquire with -d sha1,sha256" custos-acquire -q --no-authorisation -d sha1,sha256 odd.bin -o subset/a.raw
is "-d sha1,sha256: record has exactly those, = sha1sum, sha256sum" \
    "$(jget subset/a.raw.acquire.json "r['digests']")" \
    "{\"sha1\": \"$(sha1 odd.bin)\", \"sha256\": \"$(sha256 odd.bin)\"}"
if grep -q '^ *md5 ' out; then fail "-d sha1,sha256: no md5 printed" "$(cat out)"; else pass "-d sha1,sha256: no md5 printed"; fi
run 0 "acquire to E01 with -d md5" custos-acquire -q --no-authorisation -d md5 rnd.bin -o subset/b.E01
is "-d md5: record has md5 only" "$(jget subset/b.E01.acquire.json "r['digests']")" "{\"md5\": \"$(md5 rnd.bin)\"}"
check "-d md5: ewfverify succeeds" ewfverify -q subset/b.E01
ewfinfo subset/b.E01 >subset/info 2>&1
check "-d md5: ewfinfo shows the MD5" grep -q "MD5:.*$(md5 rnd.bin)" subset/info
run 0 "acquire with -w 0 (no piecewise hashes)" custos-acquire -q --no-authorisation -w 0 odd.bin -o subset/c.raw
is "-w 0: record piecewise is null" "$(jget subset/c.raw.acquire.json "r['piecewise']")" null
run 0 "acquire with --no-verify" custos-acquire -q --no-authorisation --no-verify odd.bin -o subset/d.raw
is "--no-verify: record says not verified" \
    "$(jget subset/d.raw.acquire.json "[r['verification']['performed'], r['verification']['result']]")" \
    '[false, "not-verified"]'
check "--no-verify: image still byte-identical" cmp odd.bin subset/d.raw

# --- --json: exactly one JSON document, equal to the record --------------------------
mkdir json
run 0 "acquire with --json" meta --json -s 2M disk.img -o json/disk.E01
if "$PY" -c 'import json, sys; json.loads(open(sys.argv[1]).read())' out 2>/dev/null; then
    pass "--json: standard output is one JSON document"
else fail "--json: standard output is one JSON document" "$(head -c 400 out)"; fi
if "$PY" -c 'import json, sys
a = json.loads(open(sys.argv[1]).read()); b = json.load(open(sys.argv[2]))
sys.exit(a != b)' out json/disk.E01.acquire.json; then pass "--json: the document equals the record file"
else fail "--json: the document equals the record file"; fi
is "--json: digests = md5sum, sha256sum" "$(jget out "[r['digests']['md5'], r['digests']['sha256']]")" \
    "[\"$src_md5\", \"$src_sha256\"]"

finish
