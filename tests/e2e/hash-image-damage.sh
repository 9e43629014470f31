#!/bin/sh
# Damaged images never give a clean hash or "ok" (issue 19):
# - an E01 chunk that fails its checksum (a byte flipped in a copy of The
#   Sleuth Kit's imageformat_mmls_1.E01 from the public corpus, and in an
#   E01 of a FAT image made here): custos-hash --image exits 3, the files
#   over the damaged sectors carry `zero_filled` and an `error` and no
#   digest, every other digest equals the undamaged image's, and the volume
#   says so; the damaged sectors are those ewfverify names, and the file's
#   zero-filled bytes are where istat puts those sectors in the file;
# - a damaged boot sector: the partition is listed as not read (exit 3);
# - an E01 set whose last segment is cut or missing, or whose first segment
#   is cut to its header: custos-hash --image and custos-acquire refuse it
#   (exit 5) and write nothing;
# - a raw image with unreadable sectors (the fault shim): the file over them
#   is flagged, exit 3.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

corpus=${CUSTOS_CORPUS:-/work/shared/corpus}
shim=${CUSTOS_FAULT_SHIM:-}

# flip FILE OFFSET: inverts one byte.
flip() {
    "$PY" -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1)
f.seek(o); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# compare BASE DAMAGED: prints a line per problem: an entry that is neither
# identical to the base nor flagged (zero_filled + error + no digest).
compare() {
    "$PY" - "$1" "$2" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
key = lambda e: (e.get("partition"), e["path"], e["inode"])
base = {key(e): e for e in a["entries"]}
for e in b["entries"]:
    o = base.get(key(e))
    if o is None:
        print("new entry", key(e)); continue
    if "zero_filled" in e:
        if "sha256" in e or "error" not in e or not e["zero_filled"]:
            print("flagged entry still looks clean", key(e))
    elif e.get("sha256") != o.get("sha256"):
        print("digest changed without a flag", key(e))
EOF
}

# --- 1. the corpus E01 with a flipped byte inside a chunk of $LogFile ---
if [ -f "$corpus/sleuthkit/imageformat_mmls_1.E01" ]; then
    cp "$corpus/sleuthkit/imageformat_mmls_1.E01" base.E01
    chmod u+w base.E01
    run 0 "the undamaged corpus E01 hashes clean" custos-hash --image base.E01 -o base.json
    cp base.E01 bad.E01
    flip bad.E01 150000
    if ewfverify -q bad.E01 >ewfv.out 2>&1; then
        fail "ewfverify sees the flipped byte"
    else
        pass "ewfverify sees the flipped byte"
    fi
    run 3 "a chunk failing its checksum makes the run incomplete" \
        custos-hash --image bad.E01 -o bad.json
    is "no entry passes for clean over the damage" "$(compare base.json bad.json)" ""
    is "one entry is flagged" "$(jget bad.json '[e["path"] for e in r["entries"] if "zero_filled" in e]')" \
        '["$LogFile"]'
    is "the totals count it" "$(jget bad.json 'r["totals"]["unreadable"]')" 1
    is "its zero-filled range is one 32 KiB chunk" \
        "$(jget bad.json '[e["zero_filled"] for e in r["entries"] if "zero_filled" in e][0]')" \
        '[{"length": 32768, "offset": 176128}]'
    is "the volume says so" "$(jget bad.json '[("error" in v) for v in r["source"]["volumes"]]')" \
        '[true, false]'
    grep -q 'LogFile.*read as zeros' err && pass "stderr names the file" ||
        fail "stderr names the file" "$(cat err)"
    grep -q '1 unreadable' out && pass "the summary counts it" || fail "the summary counts it" "$(cat out)"

    # The second partition's boot sector: its file system cannot be read.
    cp base.E01 boot.E01
    flip boot.E01 200000
    run 3 "a damaged boot sector makes the run incomplete" \
        custos-hash --image boot.E01 -o boot.json
    is "the partition is listed as not read" \
        "$(jget boot.json '[v.get("partition") for v in r["source"]["volumes"] if "error" in v]')" '[3]'
    is "the totals count it" "$(jget boot.json 'r["totals"]["volumes_unread"]')" 1
    grep -q 'partition 3: no file system read' err && pass "stderr says partition 3 was not read" ||
        fail "stderr says partition 3 was not read" "$(cat err)"
    grep -q '1 volumes not fully read' out && pass "the summary says a volume was not read" ||
        fail "the summary says a volume was not read" "$(cat out)"
else
    skip "the public corpus is not at $corpus"
fi

# --- 2. an E01 of a FAT image made here, in 1 MiB segments ---
head -c 6500000 /dev/urandom >big.bin
printf 'hello\n' >h.txt
mkfs.fat -C fat.img 8192 >/dev/null
mcopy -i fat.img big.bin h.txt ::/
ewfacquire -u -q -t disk -c none -S 1MiB -b 64 fat.img >/dev/null 2>&1
run 0 "the undamaged FAT E01 hashes clean" custos-hash --image disk.E01 -o fat.json
is "big.bin's digest is sha256sum's" \
    "$(jget fat.json '[e["sha256"] for e in r["entries"] if e["path"] == "big.bin"][0]')" \
    "$(sha256 big.bin)"

mkdir chunk
cp disk.E* chunk/
flip chunk/disk.E03 500000
ewfverify -q chunk/disk.E01 >ewfv.out 2>&1
bad=$(sed -n 's/.*at sector(s): \([0-9]*\) - \([0-9]*\).*/\1 \2/p' ewfv.out | head -n 1)
if [ -n "$bad" ]; then pass "ewfverify names the damaged sectors ($bad)"; else
    fail "ewfverify names the damaged sectors" "$(cat ewfv.out)"; fi
run 3 "a damaged chunk in big.bin makes the run incomplete" \
    custos-hash --image chunk/disk.E01 -o chunk.json
# Where those sectors lie in big.bin, from istat's sector list (FAT: TSK's blocks are sectors).
inode=$(fls fat.img | sed -n 's/^r\/r \([0-9]*\):\tbig.bin$/\1/p')
want=$(istat fat.img "$inode" | "$PY" -c '
import sys, json
lines = sys.stdin.read().split("Sectors:")[1].split()
secs = [int(x) for x in lines]
first, last = (int(x) for x in sys.argv[1].split())
idx = [i for i, s in enumerate(secs) if first <= s <= last]
print(json.dumps([{"length": (idx[-1] - idx[0] + 1) * 512, "offset": idx[0] * 512}]) if idx else "none")' "$bad")
is "big.bin's zero-filled bytes are where istat puts the damaged sectors" \
    "$(jget chunk.json '[e.get("zero_filled") for e in r["entries"] if e["path"] == "big.bin"][0]')" "$want"
is "big.bin has no digest" \
    "$(jget chunk.json '[("sha256" in e) for e in r["entries"] if e["path"] == "big.bin"][0]')" false
is "h.txt is still hashed" \
    "$(jget chunk.json '[e.get("sha256") for e in r["entries"] if e["path"] == "h.txt"][0]')" \
    "$(sha256 h.txt)"

last=$(ls disk.E* | tail -n 1)
mkdir cut missing first
cp disk.E* cut/
cp disk.E* missing/
cp disk.E* first/
truncate -s 100000 "cut/$last"
rm "missing/$last"
truncate -s 13 first/disk.E01
for set in cut missing first; do
    run 5 "a set with its $set segment damaged is refused by custos-hash --image" \
        custos-hash --image $set/disk.E01 -o $set.json
    [ ! -e $set.json ] && pass "no manifest for the $set set" || fail "no manifest for the $set set"
    grep -q 'segment file is missing or cut short' err &&
        pass "the $set set's refusal says why" || fail "the $set set's refusal says why" "$(cat err)"
    run 5 "custos-acquire refuses the $set set" \
        custos-acquire --no-authorisation $set/disk.E01 -o $set.raw
    [ ! -e $set.raw ] && [ ! -e $set.raw.acquire.json ] && pass "no image from the $set set" ||
        fail "no image from the $set set" "$(ls)"
done

# --- 3. a raw image whose sectors inside big.bin cannot be read ---
if [ -n "$shim" ] && [ -f "$shim" ]; then
    first=$(istat fat.img "$inode" | sed -n '/^Sectors:/,$p' | sed -n 2p | cut -d' ' -f5)
    LD_PRELOAD=$shim CUSTOS_FAULT_PATH=$work/fat.img CUSTOS_FAULT_SECTORS="$first" \
        custos-hash --image fat.img -o eio.json >out 2>err
    is "an unreadable sector makes the run incomplete" "$?" 3
    is "big.bin's unreadable sector is its fifth" \
        "$(jget eio.json '[e.get("zero_filled") for e in r["entries"] if e["path"] == "big.bin"][0]')" \
        '[{"length": 512, "offset": 2048}]'
else
    skip "the fault shim is not built"
fi
finish
