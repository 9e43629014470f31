#!/bin/sh
# custos-verify against acquisition records: a FAT medium acquired by
# custos-acquire as raw, split raw and E01 (64 KiB piecewise windows), each
# verified clean; ewfverify agrees on the clean E01 and on the damaged one.
# Damage: an E01 chunk corrupted (container corrupt, its range located), an
# E01 segment truncated, a byte flipped in a raw image (the window that
# holds it located), a split segment deleted, a sector unreadable (fault
# shim). Restore test: the image's FAT file system read through libtsk.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# The system python3 (a pyenv shim on PATH starts ten times slower).
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# Under AddressSanitizer the fault shim is preloaded ahead of the ASan runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
expect() {
    name=$1 code=$2; shift 2
    custos-verify "$@" >out.txt 2>err.txt; rc=$?  # not -q: the summary is checked
    if [ "$rc" -eq "$code" ]; then pass "$name (exit $code)"
    else fail "$name: exit $rc, expected $code"; sed 's/^/# /' out.txt err.txt | head -40; fi
}
class() {
    "$PY" - "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
got = [i["class"] for i in r["items"] if i["name"] == sys.argv[2]]
sys.exit(0 if got == [sys.argv[3]] else print("#", sys.argv[2], got) or 1)
EOF
}
flip() {
    "$PY" -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# A 16 MiB FAT16 medium holding text and random files.
truncate -s 16M medium.bin
mkfs.fat -F 16 -n EVIDENCE medium.bin >/dev/null 2>&1 || { fail "mkfs.fat"; echo "1..$n"; exit 1; }
seq 1 20000 > log.txt; head -c 400000 /dev/urandom > blob.bin
MTOOLS_SKIP_CHECK=1 mcopy -i medium.bin log.txt blob.bin :: || fail "mcopy"
for f in raw e01 split; do mkdir "$f"; done
custos-acquire -q -a CASE-1 -w 64K -o raw/disk.raw medium.bin >/dev/null 2>&1
custos-acquire -q -a CASE-1 -w 64K -o e01/disk.E01 medium.bin >/dev/null 2>&1
custos-acquire -q -a CASE-1 -w 64K -s 4M -o split/disk.raw medium.bin >/dev/null 2>&1
check "three acquisitions" '[ -f raw/disk.raw.acquire.json ] && [ -f e01/disk.E01.acquire.json ] && [ -f split/disk.raw.acquire.json ]'

expect "raw image, full" 0 -r raw/disk.raw.acquire.json
expect "split raw image, full" 0 -r split/disk.raw.acquire.json
expect "E01 image, full" 0 -r e01/disk.E01.acquire.json --json
check "  every window and the medium ok, by SHA-256: MD5 and SHA-1 said not recomputed" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); sys.exit(not(r[\"totals\"][\"ok\"] == len(r[\"items\"]) and r[\"digests\"] == {\"computed\": [\"sha256\"], \"held\": [\"md5\", \"sha1\", \"sha256\"]} and r[\"image\"][\"stored_digests_match\"] is None and \"md5, sha1 not recomputed\" in r[\"summary\"]))"'
expect "E01 image, full, --digests all" 0 -r e01/disk.E01.acquire.json --digests all --json
check "  all three computed; the E01's stored MD5 and SHA-1 match what was read" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); sys.exit(not(r[\"totals\"][\"ok\"] == len(r[\"items\"]) and r[\"digests\"][\"computed\"] == [\"md5\", \"sha1\", \"sha256\"] and r[\"image\"][\"stored_digests_match\"] is True and r[\"summary\"].endswith(\"by md5, sha1, sha256\")))"'
check "  ewfinfo's stored MD5 is md5sum's of the medium" \
  'ewfinfo e01/disk.E01 | grep -qi "MD5.*$(md5sum <medium.bin | cut -d" " -f1)"'
check "  ewfverify agrees" 'ewfverify -q e01/disk.E01 >/dev/null 2>&1'
check "  the medium's sha256 is sha256sum's" \
  '"$PY" -c "import json; r=json.load(open(\"out.txt\")); print([i[\"actual\"] for i in r[\"items\"] if i[\"name\"] == \"medium\"][0] + \"  medium.bin\")" | sha256sum -c --quiet -'
# A record whose MD5 was edited (unsigned): its SHA-256 still matches, so the
# default run passes and says MD5 was not recomputed; --digests md5 finds the
# medium changed, as md5sum would.
mkdir md5edit && cp raw/disk.raw md5edit/
"$PY" -c 'import json
r = json.load(open("raw/disk.raw.acquire.json")); r["digests"]["md5"] = "0" * 32
json.dump(r, open("md5edit/disk.raw.acquire.json", "w"))'
expect "record with an edited MD5, default digests" 0 -r md5edit/disk.raw.acquire.json
check "  the summary says md5 was not recomputed" 'grep -q "md5, sha1 not recomputed" out.txt'
expect "record with an edited MD5, --digests md5" 1 -r md5edit/disk.raw.acquire.json --digests md5 --json
check "  the medium is changed, by md5" 'class out.txt medium changed'
check "  the report shows the md5 that differs: recorded zeros, md5sum's now" \
  '"$PY" -c "import json,sys; m=[i for i in json.load(open(\"out.txt\"))[\"items\"] if i[\"name\"] == \"medium\"][0]; sys.exit(not(m[\"algorithm\"] == \"md5\" and m[\"expected\"] == \"0\" * 32 and m[\"actual\"] == \"$(md5sum <medium.bin | cut -d" " -f1)\"))"'
expect "--digests with an unknown name" 2 -r raw/disk.raw.acquire.json --digests crc32
expect "E01 given by its file name" 0 -r e01/disk.E01.acquire.json e01/disk.E01
expect "E01 structure only" 0 -r e01/disk.E01.acquire.json --level structure
check "  says content not checked" 'grep -q "^STRUCTURE ONLY" out.txt'
expect "E01 sample of 4 windows" 0 -r e01/disk.E01.acquire.json --sample 4 --seed 11 --json
check "  4 windows read, 256 KiB, the rest not checked" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); c=r[\"coverage\"]; sys.exit(not(c[\"items_checked\"] == 4 and c[\"bytes_checked\"] == 262144 and r[\"bytes_read\"] == 262144 and r[\"summary\"].startswith(\"NO MISMATCH\")))"'

# A corrupted chunk inside the E01.
mkdir bad && cp e01/disk.E01 e01/disk.E01.acquire.json bad/
off=$("$PY" -c "
d = open('bad/disk.E01','rb').read(); b = open('blob.bin','rb').read()
i = d.find(b[200000:200064]); assert i > 0; print(i + 7)")
flip bad/disk.E01 "$off"
expect "E01 with a corrupted chunk" 5 -r bad/disk.E01.acquire.json --json
cp out.txt bad.json
check "  ewfverify fails on it too" '! ewfverify -q bad/disk.E01 >ewf.txt 2>&1'
check "  one damaged range of one 32 KiB chunk, the medium unreadable" \
  '"$PY" -c "import json,sys; r=json.load(open(\"bad.json\")); b=r[\"image\"][\"damaged_ranges\"]; sys.exit(not(len(b) == 1 and b[0][\"length_bytes\"] == 32768 and r[\"container\"][\"status\"] == \"corrupt\"))"' 
check "  the range is the sectors ewfverify names" \
  '"$PY" - <<EOF
import json, re, sys
r = json.load(open("bad.json")); b = r["image"]["damaged_ranges"][0]
m = re.search(r"at sector\(s\): (\d+) - (\d+)", open("ewf.txt").read())
sys.exit(not(m and int(m.group(1)) * 512 == b["offset_bytes"] and (int(m.group(2)) + 1) * 512 == b["offset_bytes"] + b["length_bytes"]))
EOF'
check "  the segment file is changed, the medium unreadable" \
  'class bad.json disk.E01 changed && class bad.json medium unreadable'
expect "  a sample that misses the damaged window still reads what it selects" 0 \
  -r bad/disk.E01.acquire.json --sample 1 --seed 3 --json
"$PY" -c "
import json; r=json.load(open('bad.json'))
print([i['name'] for i in r['items'] if i['class'] == 'unreadable' and i['name'] != 'medium'][0])" > badwin
expect "  re-checking the failures of the report re-reads the damaged window" 5 \
  -r bad/disk.E01.acquire.json --sample 1 --seed 3 --recheck bad.json --json
check "  and finds it again" "class out.txt $(cat badwin) unreadable"

mkdir short && cp e01/disk.E01.acquire.json short/
head -c $(( $(stat -c %s e01/disk.E01) / 2 )) e01/disk.E01 > short/disk.E01
# libewf may still read every chunk of a cut segment (its data all before the
# cut): then only the segment's size and digest show it (exit 1); else the set
# cannot be read (exit 5). Either way the damage is found and classified.
custos-verify -q -r short/disk.E01.acquire.json --json >out.txt 2>/dev/null; rc=$?
check "E01 truncated: exit 1 or 5" '[ $rc -eq 1 ] || [ $rc -eq 5 ]'
check "  the segment is changed (size)" 'class out.txt disk.E01 changed'
check "  and the report is no match" '! grep -q "\"result\": \"match\"" out.txt'

# Raw images.
mkdir flipped && cp raw/disk.raw raw/disk.raw.acquire.json flipped/
flip flipped/disk.raw 1000000
expect "raw image with a flipped byte" 1 -r flipped/disk.raw.acquire.json --json
check "  the window holding byte 1000000 is changed, its neighbours ok" \
  'class out.txt medium@00000000000000983040 changed && class out.txt medium@00000000000000917504 ok'
mkdir gap && cp split/disk.raw.* gap/ && rm gap/disk.raw.002
expect "split raw set with a segment deleted" 5 -r gap/disk.raw.acquire.json --json
check "  the segment is missing" 'class out.txt disk.raw.002 missing'
mkdir more && cp split/disk.raw.* more/ && head -c 512 /dev/zero > more/disk.raw.005
expect "split raw set with an extra segment" 1 -r more/disk.raw.acquire.json

if [ -n "${CUSTOS_FAULT_SHIM:-}" ] && [ -f "$CUSTOS_FAULT_SHIM" ]; then
    LD_PRELOAD=$CUSTOS_FAULT_SHIM CUSTOS_FAULT_PATH=$work/raw/disk.raw \
        CUSTOS_FAULT_SECTORS=300 custos-verify -q -r raw/disk.raw.acquire.json --json >out.txt 2>err.txt
    rc=$?
    check "raw image with an unreadable sector: exit 3" '[ "$rc" -eq 3 ]'
    check "  the window and the medium unreadable" \
      'class out.txt medium@00000000000000131072 unreadable && class out.txt medium unreadable'
else
    fail "the fault shim is built (CUSTOS_FAULT_SHIM)"
fi

expect "restore test: the FAT file system read through libtsk" 0 -r e01/disk.E01.acquire.json --restore --json
check "  passed, with the two files" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); sys.exit(not(r[\"restore\"][\"result\"] == \"passed\" and r[\"restore\"][\"files\"] >= 2))"'

echo "1..$n"
[ "$failed" -eq 0 ]
