#!/bin/sh
# custos-acquire names the files over unreadable sectors (issue 17, "bad
# sectors named by files"). Media made here, files placed by mkfs/mtools,
# sectors made unreadable with the fault shim (tests/fault/fault.c): a FAT
# file system alone, an ext4 one, and FAT inside an MBR disk; images written
# raw, split raw and E01. Every range of the record is checked against The
# Sleuth Kit's own tools: each sector's owner by `ifind -d`, each file's
# path by `ffind`, and the file bytes affected by the run list of `istat`.
set -u
shim=${CUSTOS_FAULT_SHIM:-}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# Under AddressSanitizer the fault shim is preloaded ahead of the ASan runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; sed 's/^/# /' err.txt xc.txt 2>/dev/null | head -8; fi; }
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
    fail "the fault shim is built (CUSTOS_FAULT_SHIM=$shim)"; echo "1..$n"; exit 1
fi
# acq SOURCE SECTORS OUTPUT [OPTIONS]: acquires with SECTORS unreadable.
acq() {
    src=$1 sectors=$2 out=$3; shift 3
    LD_PRELOAD=$shim CUSTOS_FAULT_PATH=$PWD/$src CUSTOS_FAULT_SECTORS=$sectors \
        custos-acquire --no-authorisation "$@" "$src" -o "$out" >out.txt 2>err.txt
}

# xcheck RECORD IMAGE: every range against ifind/ffind/istat (on IMAGE, a raw
# copy of the source); prints what differs, nothing when all agree.
cat > xcheck.py <<'EOF'
import json, re, subprocess, sys
rec = json.load(open(sys.argv[1])); image = sys.argv[2]
errs = rec["read_errors"]; ss = errs["sector_bytes"]
def tsk(*args):
    return subprocess.run(args, capture_output=True).stdout.decode("utf-8", "surrogateescape")
bsize = {}
def block_size(off):
    if off not in bsize:
        m = re.search(r"(?:Block|Cluster|Sector) Size: (\d+)", tsk("fsstat", "-o", str(off // 512), image))
        bsize[off] = int(m.group(1)) if m else 0
    return bsize[off]
bad = 0
for r in errs["unreadable_ranges"]:
    got = {(f.get("partition", -1), f["inode"]) for f in r["files"]}
    vols = [v for v in errs["file_map"]["volumes"] if v["fs_type"]]
    for v in vols:
        off = v["offset"]; bs = block_size(off)
        for s in range(r["first_sector"], r["first_sector"] + r["sector_count"]):
            b = (s * ss - off) // bs
            if b < 0:
                continue
            out = tsk("ifind", "-o", str(off // 512), "-d", str(b), image).strip()
            if out.isdigit() and (v.get("partition", -1), int(out)) not in got:
                print("sector", s, "block", b, "is inode", out, "by ifind; record:", sorted(got)); bad += 1
    for f in r["files"]:
        off = f["fs_offset"]; bs = block_size(off)
        path = tsk("ffind", "-o", str(off // 512), image, str(f["inode"])).strip()
        if path.lstrip("* ").lstrip("/") != f["path"]:
            print("ffind names inode", f["inode"], repr(path), "record", repr(f["path"])); bad += 1
        # The file's blocks in order (istat lists them 8 to a line).
        ist = tsk("istat", "-o", str(off // 512), image, str(f["inode"]))
        blocks = [int(x) for x in " ".join(ist.split("Sectors:")[-1].split("Direct Blocks:")[-1].split("\n\n")[0].split()).split() if x.isdigit()]
        lo = r["offset_bytes"]; hi = lo + r["length_bytes"]
        want_lo = want_hi = None
        for i, blk in enumerate(blocks):
            a = off + blk * bs
            if a < hi and lo < a + bs:
                x = i * bs + max(lo - a, 0); y = i * bs + min(hi, a + bs) - a
                want_lo = x if want_lo is None else want_lo; want_hi = y
        if want_lo is None or f["offset_bytes"] != want_lo or f["offset_bytes"] + f["length_bytes"] != min(want_hi, f["offset_bytes"] + f["length_bytes"]) or f["length_bytes"] <= 0:
            print("inode", f["inode"], "bytes", f["offset_bytes"], f["length_bytes"], "istat gives", want_lo, want_hi); bad += 1
sys.exit(1 if bad else 0)
EOF
# first_block IMAGE INODE [OFFSET_SECTORS]: the first block istat lists (FAT: a sector).
first_block() { istat ${3:+-o $3} "$1" "$2" | sed -n '/^\(Sectors\|Direct Blocks\):/{n;p;q}' | awk '{print $1}'; }

# ---- FAT12, unpartitioned: a file, a deleted file, free space, the boot sector ----
head -c 300000 /dev/urandom > big.bin
printf 'this file will be deleted, its sectors stay\n%.0s' $(seq 200) > gone.txt
mkfs.fat -C fat.img 8192 >/dev/null
mcopy -i fat.img big.bin gone.txt ::/
mdel -i fat.img ::/gone.txt
big=$(first_block fat.img 3); gone=$(first_block fat.img 4)
s1=$((big + 140)); s2=$gone
acq fat.img "$s1-$((s1 + 3)),$s2,16000" fat.raw
check "FAT: acquired with 6 unreadable sectors (exit 3)" '[ $? -eq 3 ]'
check "FAT: the record names big.bin over the first range and the deleted gone.txt (FAT: _one.txt) over the second" \
    '[ "$($PY -c "import json; r = json.load(open(\"fat.raw.acquire.json\"))[\"read_errors\"][\"unreadable_ranges\"]; print([[(f[\"path\"], f[\"allocated\"], f[\"offset_bytes\"], f[\"length_bytes\"]) for f in x[\"files\"]] for x in r])")" = "[[('"'"'big.bin'"'"', True, 71680, 2048)], [('"'"'_one.txt'"'"', False, 0, 512)], []]" ]'
check "FAT: ifind, ffind and istat agree with every range" '$PY xcheck.py fat.raw.acquire.json fat.img >xc.txt'
check "FAT: the summary names the files and says a range holds none" \
    'grep -q "sectors $s1-$((s1 + 3)): big.bin (bytes 71680-73727)" out.txt &&
     grep -q "sectors $s2-$s2: _one.txt \[deleted\] (bytes 0-511)" out.txt &&
     grep -q "sectors 16000-16000: no file found over it" out.txt'

# The same medium to E01 and to a split raw set: the same names.
acq fat.img "$s1-$((s1 + 3)),$s2" fat.E01
check "FAT to E01: the record names the same files" \
    '[ $? -eq 3 ] && [ "$($PY -c "import json; r = json.load(open(\"fat.E01.acquire.json\"))[\"read_errors\"][\"unreadable_ranges\"]; print([[f[\"path\"] for f in x[\"files\"]] for x in r])")" = "[['"'"'big.bin'"'"'], ['"'"'_one.txt'"'"']]" ]'
acq fat.img "$s1-$((s1 + 3))" split.raw -s 1M
check "FAT to split raw: the record names big.bin" \
    '[ $? -eq 3 ] && grep -q "sectors $s1-$((s1 + 3)): big.bin" out.txt'

# The boot sector unreadable: no file system, and the record says so.
acq fat.img 0 boot.raw
check "FAT without its boot sector: the range is not mapped, and the record says why" \
    '[ $? -eq 3 ] && grep -q "sectors 0-0: not mapped: no file system The Sleuth Kit knows" out.txt &&
     [ "$($PY -c "import json; r = json.load(open(\"boot.raw.acquire.json\"))[\"read_errors\"]; print(r[\"unreadable_ranges\"][0][\"files\"], r[\"file_map\"][\"volumes\"][0][\"not_mapped\"][:35])")" = "[] no file system The Sleuth Kit knows" ]'

# ---- ext4 (1 KiB blocks): a file's data blocks ----
mkdir tree && cp big.bin tree/ && mkdir tree/docs && head -c 50000 /dev/urandom > tree/docs/b.bin
mkfs.ext4 -q -b 1024 -d tree ext.img 16M >/dev/null 2>&1
inode=$(ifind -n /docs/b.bin ext.img)
blk=$(first_block ext.img "$inode")
es=$(((blk + 10) * 2))
acq ext.img "$es-$((es + 3))" ext.raw
check "ext4: the record names docs/b.bin at 10 KiB into it" \
    '[ $? -eq 3 ] && [ "$($PY -c "import json; r = json.load(open(\"ext.raw.acquire.json\"))[\"read_errors\"][\"unreadable_ranges\"]; print([[(f[\"path\"], f[\"inode\"], f[\"offset_bytes\"], f[\"length_bytes\"]) for f in x[\"files\"]] for x in r])")" = "[[('"'"'docs/b.bin'"'"', $inode, 10240, 2048)]]" ]'
check "ext4: ifind, ffind and istat agree" '$PY xcheck.py ext.raw.acquire.json ext.img >xc.txt'

# ---- an MBR disk, FAT at sector 2048: the partition is named ----
truncate -s 8M disk.img
"$PY" -c '
import struct
e = struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", 0x01, b"\xfe\xff\xff", 2048, 8192)
with open("disk.img", "r+b") as f:
    f.seek(446); f.write(e + bytes(48) + b"\x55\xaa")'
mkfs.fat -C part.img 4096 >/dev/null
mcopy -i part.img big.bin ::/
dd if=part.img of=disk.img bs=512 seek=2048 conv=notrunc status=none
pb=$(first_block disk.img 3 2048)
acq disk.img "$((2048 + pb + 2))" disk.raw
check "MBR disk: the record names partition 2's big.bin (mmls slot)" \
    '[ $? -eq 3 ] && [ "$($PY -c "import json; r = json.load(open(\"disk.raw.acquire.json\"))[\"read_errors\"][\"unreadable_ranges\"]; print([[(f.get(\"partition\"), f[\"fs_offset\"], f[\"path\"], f[\"offset_bytes\"]) for f in x[\"files\"]] for x in r])")" = "[[($(mmls disk.img | awk '"'"'$3 == "0000002048" {print $1 + 0}'"'"'), 1048576, '"'"'big.bin'"'"', 1024)]]" ]'
check "MBR disk: ifind, ffind and istat agree" '$PY xcheck.py disk.raw.acquire.json disk.img >xc.txt'

echo "1..$n"
[ "$failed" -eq 0 ]
