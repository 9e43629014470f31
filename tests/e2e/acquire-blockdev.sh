#!/bin/sh
# custos-acquire from a real block device: a read-only loop device over a FAT
# image made here (skipped where losetup cannot attach one, e.g. without
# root). Checks: E01 that ewfverify accepts, with the image's MD5; the record
# says block-device, its logical sector size and read_only; a 4096-byte
# logical sector device is imaged in 4096-byte sectors; bad sectors on the
# device are narrowed down through the uncached (O_DIRECT) path.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

loops=
at_exit_extra='for l in $loops; do losetup -d "$l" 2>/dev/null; done'

make_fat disk.img 24 files || { fail "make the FAT image"; finish; }
src_md5=$(md5 disk.img)
src_sha256=$(sha256 disk.img)

loop=$(losetup -r -f --show disk.img 2>losetup.err)
if [ -z "$loop" ] || [ ! -b "$loop" ]; then
    skip "block device: losetup -r -f cannot attach a loop device here: $(head -n 1 losetup.err)"
    finish
fi
loops=$loop
pass "attached $loop read-only"

run 0 "acquire $loop to E01" custos-acquire -q -a W-9 --case-number C-1 "$loop" -o dev.E01
check "block device E01: ewfverify succeeds" ewfverify -q dev.E01
ewfinfo dev.E01 >info 2>&1
check "block device E01: ewfinfo's MD5 = md5sum of the image behind the device" grep -q "MD5:.*$src_md5" info
check "block device E01: marked physical" grep -q "Is physical:[[:space:]]*yes" info
is "record: kind, logical sector size, read_only, size" \
    "$(jget dev.E01.acquire.json "[r['source'][k] for k in ('kind', 'logical_sector_bytes', 'read_only', 'size_bytes', 'mounted')]")" \
    "[\"block-device\", 512, true, $(fsize disk.img), false]"
is "record: device name" "$(jget dev.E01.acquire.json "r['source']['device']")" "$(basename "$loop")"
is "record: sha256 = sha256sum of the image behind the device" \
    "$(jget dev.E01.acquire.json "r['digests']['sha256']")" "$src_sha256"
# Media facts: a loop device's removable is 0: a fixed disk, from sysfs.
check "block device E01: media type fixed (sysfs removable 0)" grep -q "Media type:[[:space:]]*fixed disk" info
is "record: media type and where it came from; model and serial keys" \
    "$(jget dev.E01.acquire.json "[r['source']['media_type'], r['source']['media_type_from'], 'model' in r['source'], 'serial' in r['source']]")" \
    '["fixed", "sysfs", true, true]'
is "sysfs removable of the loop device is 0" "$(cat "/sys/class/block/$(basename "$loop")/removable")" 0
run 0 "acquire $loop to E01 with --media-type removable" \
    custos-acquire -q --no-authorisation --media-type removable "$loop" -o rem.E01
ewfinfo rem.E01 >info.rem 2>&1
check "--media-type removable: ewfinfo says removable disk" grep -q "Media type:[[:space:]]*removable disk" info.rem
check "--media-type removable: still physical" grep -q "Is physical:[[:space:]]*yes" info.rem
check "--media-type removable: ewfverify succeeds" ewfverify -q rem.E01
is "--media-type removable: record says option" \
    "$(jget rem.E01.acquire.json "[r['source']['media_type'], r['source']['media_type_from']]")" \
    '["removable", "option"]'
run 0 "acquire $loop to E01 with --media-type optical" \
    custos-acquire -q --no-authorisation --media-type optical "$loop" -o opt.E01
ewfinfo opt.E01 >info.opt 2>&1
check "--media-type optical: ewfinfo says optical" grep -q "Media type:[[:space:]]*optical" info.opt
run 2 "--media-type floppy is refused" custos-acquire -q --no-authorisation --media-type floppy "$loop" -o flop.E01

fls_list -f fat disk.img >fls.src
fls_list -f fat dev.E01 >fls.dev
check "block device E01: fls -r = on the image" cmp fls.src fls.dev

# A device with 4096-byte logical sectors.
loop4k=$(losetup -r -b 4096 -f --show disk.img 2>/dev/null)
if [ -n "$loop4k" ] && [ "$(blockdev --getss "$loop4k" 2>/dev/null)" = 4096 ]; then
    loops="$loops $loop4k"
    run 0 "acquire a 4096-byte-sector device to E01" custos-acquire -q --no-authorisation "$loop4k" -o dev4k.E01
    is "4K device: record logical_sector_bytes and error-map sector size" \
        "$(jget dev4k.E01.acquire.json "[r['source']['logical_sector_bytes'], r['read_errors']['sector_bytes']]")" \
        '[4096, 4096]'
    check "4K device E01: ewfverify succeeds" ewfverify -q dev4k.E01
    ewfinfo dev4k.E01 >info4k 2>&1
    check "4K device E01: 4096 bytes per sector" grep -q "Bytes per sector:[[:space:]]*4096" info4k
else
    [ -n "$loop4k" ] && loops="$loops $loop4k"
    skip "4096-byte-sector loop device not available"
fi

# Bad sectors on the device: the shim fails reads of the device node, cached
# or O_DIRECT alike.
shim=${CUSTOS_FAULT_SHIM:-}
if [ -n "$shim" ] && [ -f "$shim" ]; then
    LD_PRELOAD=$shim CUSTOS_FAULT_PATH=$loop CUSTOS_FAULT_SECTORS=3000-3002,9000 \
        custos-acquire -q --no-authorisation "$loop" -o bad.raw >out 2>err
    is "device with bad sectors: exit 3" "$?" 3
    is "device with bad sectors: record ranges" \
        "$(jget bad.raw.acquire.json "[(x['first_sector'], x['sector_count']) for x in r['read_errors']['unreadable_ranges']]")" \
        '[[3000, 3], [9000, 1]]'
    ok=$("$PY" - disk.img bad.raw <<'EOF'
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
bad = {3000, 3001, 3002, 9000}
wrong = [s for s in range(len(a) // 512)
         if b[s*512:(s+1)*512] != (bytes(512) if s in bad else a[s*512:(s+1)*512])]
print("yes" if len(a) == len(b) and not wrong else "wrong sectors %s" % wrong[:10])
EOF
)
    is "device with bad sectors: exactly those sectors are zeros" "$ok" yes
else
    fail "the fault shim is built (CUSTOS_FAULT_SHIM)"
fi

finish
