#!/bin/sh
# custos-hash --image on damaged file systems built here (issue 19, 17):
# each damage is reported (the file or directory flagged, exit 3), never a
# clean manifest, and the run ends in bounded time and memory:
# - FAT16: a cluster chain that loops (icat yields nothing), a directory
#   entry with a 4 GB size, one with a first cluster out of range (TSK drops
#   both entries: the file would vanish);
# - ext4: s_inode_size changed (TSK took 2.4 GB and listed nothing), a file
#   size of 0xffffffffffff (TSK read zeros for ever);
# - an MBR disk with a partition no file system TSK knows: listed as not
#   hashed, and the summary says so.
# The undamaged files are still hashed, equal to sha256sum of their source.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

# hash NAME WANT_EXIT IMAGE: custos-hash --image IMAGE -o IMAGE.json, under a
# hang guard, recording its peak memory (KiB) in ./rss.
hash() {
    name=$1 want=$2 img=$3
    /usr/bin/time -f %M -o rss timeout 300 custos-hash --image "$img" -o "$img.json" >out 2>err
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name (exit $want)"; else
        fail "$name (exit $want)" "exit $rc; stderr: $(head -c 600 err)"; fi
}
digest_of() { jget "$1" "[e.get('sha256') for e in r['entries'] if e['path'] == '$2'][0]"; }

head -c 3000000 /dev/urandom >f3.bin
printf 'hello\n' >h.txt
mkfs.fat -F 16 -C fat.img 16384 >/dev/null
mcopy -i fat.img f3.bin h.txt ::/
hash "the undamaged FAT16 image hashes clean" 0 fat.img
is "f3.bin's digest is sha256sum's" "$(digest_of fat.img.json f3.bin)" "$(sha256 f3.bin)"

# mutate IMAGE MODE: damages F3.BIN's directory entry or cluster chain.
mutate() {
    "$PY" - "$1" "$2" <<'EOF'
import struct, sys
img, mode = sys.argv[1], sys.argv[2]
f = open(img, "r+b"); b = bytearray(f.read())
bps, spc, rsv, nfats, nroot = struct.unpack_from("<HBHBH", b, 11)
fatsz = struct.unpack_from("<H", b, 22)[0]
root = (rsv + nfats * fatsz) * bps
o = next(root + 32 * i for i in range(nroot) if b[root + 32 * i:root + 32 * i + 11] == b"F3      BIN")
start = struct.unpack_from("<H", b, o + 26)[0]
fat = rsv * bps
if mode == "loop":  # the third cluster of the chain points back at the second
    c2 = struct.unpack_from("<H", b, fat + 2 * start)[0]
    c3 = struct.unpack_from("<H", b, fat + 2 * c2)[0]
    for k in range(nfats):
        struct.pack_into("<H", b, fat + k * fatsz * bps + 2 * c3, c2)
elif mode == "size4g":
    struct.pack_into("<I", b, o + 28, 0xffffffff)
elif mode == "badstart":
    struct.pack_into("<H", b, o + 26, 0xfff0)
f.seek(0); f.write(b)
EOF
}
for m in loop size4g badstart; do
    cp fat.img $m.img
    mutate $m.img $m
done
is "icat reads nothing of the looping file (the damage is real)" "$(icat loop.img 3 | wc -c)" 0
hash "a looping cluster chain is reported" 3 loop.img
is "f3.bin is flagged, without a digest" \
    "$(jget loop.img.json "[(e.get('sha256'), 'loops' in e.get('error', '')) for e in r['entries'] if e['path'] == 'f3.bin']")" \
    '[[null, true]]'
is "h.txt is still hashed" "$(digest_of loop.img.json h.txt)" "$(sha256 h.txt)"
for m in size4g badstart; do
    fls_has=$(fls $m.img | grep -c 'f3.bin')
    is "fls does not list f3.bin with $m (the entry vanishes in TSK)" "$fls_has" 0
    hash "a directory entry with $m is reported" 3 $m.img
    is "the root directory is flagged with $m" \
        "$(jget $m.img.json "[e['type'] for e in r['entries'] if 'error' in e]")" '["directory"]'
    grep -q '1 of its 2 directory entries are damaged' err && pass "stderr says one entry was not read ($m)" ||
        fail "stderr says one entry was not read ($m)" "$(cat err)"
    is "h.txt is still hashed ($m)" "$(digest_of $m.img.json h.txt)" "$(sha256 h.txt)"
done

# ext4: s_inode_size (2 bytes at superblock offset 88) changed to 0xfff0.
mkdir src
cp f3.bin h.txt src/
mkfs.ext4 -q -d src ext.img 16M
cp ext.img inode.img
"$PY" -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(1024 + 88); f.write(b"\xf0\xff")' inode.img
hash "an ext4 superblock with a damaged inode size is reported" 3 inode.img
kib=$(tail -n 1 rss)
if [ "$kib" -lt 1048576 ]; then pass "it stays under 1 GiB ($kib KiB)"; else
    fail "it stays under 1 GiB" "$kib KiB"; fi
grep -q 'inode size 65520 is not a power of two' err && pass "stderr names the inode size" ||
    fail "stderr names the inode size" "$(cat err)"
is "the volume is marked not hashed" "$(jget inode.img.json "r['totals']['volumes_unread']")" 1

cp ext.img size.img
debugfs -w -R "sif f3.bin size 0xffffffffffff" size.img >/dev/null 2>&1
hash "an ext4 file size of 0xffffffffffff is reported" 3 size.img
is "f3.bin is flagged, without a digest" \
    "$(jget size.img.json "[(e.get('sha256'), 'larger than the whole image' in e.get('error', '')) for e in r['entries'] if e['path'] == 'f3.bin']")" \
    '[[null, true]]'
is "h.txt is still hashed (ext4)" "$(digest_of size.img.json h.txt)" "$(sha256 h.txt)"

# An MBR disk: FAT16 at sector 2048, an unformatted Linux partition at 40960
# (mmls slots 2 and 4: slot 3 is the gap between them).
truncate -s 40M disk.img
"$PY" -c '
import struct
e = lambda t, start, size: struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", t, b"\xfe\xff\xff", start, size)
with open("disk.img", "r+b") as f:
    f.seek(446); f.write(e(0x06, 2048, 32768) + e(0x83, 40960, 40960) + bytes(32) + b"\x55\xaa")'
dd if=fat.img of=disk.img bs=512 seek=2048 conv=notrunc status=none
hash "a partition without a known file system is reported" 3 disk.img
is "it is listed as not hashed" \
    "$(jget disk.img.json "[(v.get('partition'), v['fs_type'], 'not hashed' in v.get('error', '')) for v in r['source']['volumes']]")" \
    '[[2, "fat16", false], [4, "", true]]'
grep -q '1 volumes not fully read' out && pass "the summary says so" || fail "the summary says so" "$(cat out)"
is "the FAT partition's files are hashed" "$(digest_of disk.img.json f3.bin)" "$(sha256 f3.bin)"
finish
