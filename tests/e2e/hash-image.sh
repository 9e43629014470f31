#!/bin/sh
# custos-hash --image on images built here without mounting anything: a FAT
# file system (mkfs.fat + mtools) and an ext4 one (mkfs.ext4 -d), each with a
# file deleted after it was written (mdel; debugfs rm), alone and inside an
# MBR-partitioned disk, read as raw, split raw and E01 (ewfacquire).
# Every result is cross-checked with The Sleuth Kit's own tools: the files
# listed must be exactly the regular and virtual files `fls -r -p` lists
# (same inode, path, deleted flag), and each digest must equal
# `icat IMAGE INODE | sha256sum`. An audit of the image and of a changed copy
# closes it.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

mkdir -p src/docs/deep
printf 'hello\n' > src/hello.txt
head -c 2000000 /dev/urandom > src/docs/random.bin
printf 'deep file\n' > src/docs/deep/deep.txt
printf 'spaced name\n' > "src/docs/with space.txt"
: > src/empty
printf 'this file will be deleted\n' > src/deleted.txt
ln -s hello.txt src/link

# FAT, files copied with mtools, one deleted with mdel.
mkfs.fat -C fat.img 8192 >/dev/null
mcopy -i fat.img src/hello.txt src/empty src/deleted.txt ::/
mmd -i fat.img ::/docs ::/docs/deep
mcopy -i fat.img src/docs/random.bin "src/docs/with space.txt" ::/docs/
mcopy -i fat.img src/docs/deep/deep.txt ::/docs/deep/
mdel -i fat.img ::/deleted.txt
# ext4 from a directory, one file deleted with debugfs.
mkfs.ext4 -q -d src ext.img 16M >/dev/null
debugfs -w -R "rm deleted.txt" ext.img >/dev/null 2>&1

# A disk with an MBR: FAT at sector 2048, ext4 at sector 20480.
truncate -s 40M disk.img
# The partition table is written by hand (two entries of 16 bytes at 446,
# then 55 AA), so the test needs no partitioning tool.
python3 -c '
import struct
e = lambda t, start, size: struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", t, b"\xfe\xff\xff", start, size)
with open("disk.img", "r+b") as f:
    f.seek(446); f.write(e(0x0c, 2048, 16384) + e(0x83, 20480, 32768) + bytes(32) + b"\x55\xaa")'
dd if=fat.img of=disk.img bs=512 seek=2048 conv=notrunc status=none
dd if=ext.img of=disk.img bs=512 seek=20480 conv=notrunc status=none

# Cross-check one manifest against fls and icat for one file system.
cat > xcheck.py <<'EOF'
import json, re, subprocess, sys
manifest, image, sector, part = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
m = json.load(open(manifest))
off = ["-o", sector] if sector != "0" else []
want = set()
for line in subprocess.run(["fls", "-r", "-p"] + off + [image], capture_output=True,
                           check=True).stdout.decode("utf-8", "surrogateescape").splitlines():
    r = re.match(r"^(.)/(.) (\* )?(\d+)(-\d+-\d+)?(\(realloc\))?:\t(.*)$", line)
    if r and r.group(2) in "rv":
        want.add((int(r.group(4)), r.group(7), r.group(3) is None))
got = {}
for e in m["entries"]:
    if e["type"] in ("file", "virtual") and str(e.get("partition", "-")) == part:
        got[(e["inode"], e["path"], e["allocated"])] = e
bad = 0
if set(got) != want:
    print("# fls lists", sorted(want - set(got)), "not in manifest;", sorted(set(got) - want), "extra")
    bad += 1
deleted_hashed = 0
for key, e in got.items():
    if "sha256" not in e:
        continue
    addr = str(key[0]) + ("-" + e["attribute"] if "attribute" in e else "")
    data = subprocess.run(["icat"] + off + [image, addr], capture_output=True, check=True).stdout
    import hashlib
    if hashlib.sha256(data).hexdigest() != e["sha256"] or len(data) != e["size"]:
        print("# icat differs for", key); bad += 1
    if not key[2]:
        deleted_hashed += 1
print("# %d files, %d deleted and hashed" % (len(got), deleted_hashed))
if deleted_hashed == 0 and "--no-deleted" not in sys.argv:
    print("# no deleted file was recovered"); bad += 1
sys.exit(1 if bad else 0)
EOF

check "FAT image hashed" 'custos-hash -q --image fat.img -o fat.json >/dev/null'
check "FAT: files match fls -r, digests match icat, deleted file hashed" \
  'python3 xcheck.py fat.json fat.img 0 -'
check "FAT: the deleted file is flagged and has the content written" \
  "python3 -c 'import json; e=[x for x in json.load(open(\"fat.json\"))[\"entries\"] if x[\"path\"].endswith(\"eleted.txt\")][0]; assert e[\"allocated\"] is False and e[\"size\"]==26' &&
   grep -q \"\$(sha256sum <src/deleted.txt | cut -c1-64)\" fat.json"
check "FAT: content type from the content" 'grep -q "\"mime\": \"text/plain\"" fat.json'
check "ext4 image hashed" 'custos-hash -q --image ext.img -o ext.json >/dev/null'
check "ext4: files match fls -r, digests match icat, deleted file hashed" \
  'python3 xcheck.py ext.json ext.img 0 -'
check "ext4: the symlink is recorded with its target" \
  'python3 -c "import json; e=[x for x in json.load(open(\"ext.json\"))[\"entries\"] if x[\"path\"]==\"link\"][0]; assert e[\"type\"]==\"symlink\" and e[\"target\"]==\"hello.txt\""'
check "ext4: inode, fs type and times recorded" \
  'python3 -c "import json; e=[x for x in json.load(open(\"ext.json\"))[\"entries\"] if x[\"path\"]==\"hello.txt\"][0]; assert e[\"inode\"]>0 and e[\"fs_type\"]==\"ext4\" and e[\"mtime\"] and e[\"ctime\"] and e[\"atime\"]"'
check "every file's digest equals the source file's" \
  'for f in hello.txt docs/random.bin docs/deep/deep.txt "docs/with space.txt" empty; do grep -q "$(sha256sum <"src/$f" | cut -c1-64)" ext.json || exit 1; done'

# NTFS (mkntfs and ntfscp from ntfs-3g write it without mounting): every
# $DATA and $INDEX_ROOT stream fls lists, system files included, each
# checked with icat INODE-TYPE-ID.
if command -v mkntfs >/dev/null && command -v ntfscp >/dev/null; then
  truncate -s 16M ntfs.img
  mkntfs -q -F -f ntfs.img >/dev/null 2>&1
  ntfscp ntfs.img src/hello.txt hello.txt >/dev/null 2>&1
  ntfscp ntfs.img src/docs/random.bin random.bin >/dev/null 2>&1
  check "NTFS image hashed" 'custos-hash -q --image ntfs.img -o ntfs.json >/dev/null'
  check "NTFS: every stream fls lists, digests match icat INODE-TYPE-ID" \
    'python3 xcheck.py ntfs.json ntfs.img 0 - --no-deleted'
  check "NTFS: alternate streams such as \$Secure:\$SDS are entries of their own" \
    'grep -q "\"path\": \"\$Secure:\$SDS\"" ntfs.json && grep -q "\"attribute\": \"128-" ntfs.json'
else
  fail "mkntfs/ntfscp missing (ntfs-3g; sh scripts/install-deps.sh)"
fi

check "partitioned disk hashed" 'custos-hash -q -d md5,sha256 --image disk.img -o disk.json >/dev/null'
# Partitions are numbered as mmls numbers its slots.
pfat=$(mmls disk.img | awk '$3 == "0000002048" {print $1 + 0}')
pext=$(mmls disk.img | awk '$3 == "0000020480" {print $1 + 0}')
check "FAT partition (mmls slot $pfat) matches fls/icat" "python3 xcheck.py disk.json disk.img 2048 $pfat"
check "ext4 partition (mmls slot $pext) matches fls/icat" "python3 xcheck.py disk.json disk.img 20480 $pext"
check "both volumes are recorded with mmls's slot and description" \
  "python3 -c 'import json; v=json.load(open(\"disk.json\"))[\"source\"][\"volumes\"]; assert [(x[\"partition\"],x[\"offset\"],x[\"fs_type\"],x[\"description\"]) for x in v]==[($pfat,1048576,\"fat12\",\"Win95 FAT32 (0x0c)\"),($pext,10485760,\"ext4\",\"Linux (0x83)\")], v'"

split -b 8M -d -a 3 --numeric-suffixes=1 disk.img split.
check "split raw (first segment named) gives the same entries" \
  'custos-hash -q -d md5,sha256 --image split.001 -o split.json >/dev/null &&
   python3 -c "import json; a=json.load(open(\"disk.json\"))[\"entries\"]; b=json.load(open(\"split.json\"))[\"entries\"]; assert a==b"'
if ewfacquire -q -u -t disk -c none -C c -D d -E e -e x -N n disk.img >/dev/null 2>&1; then
  check "E01 gives the same entries" \
    'custos-hash -q -d md5,sha256 --image disk.E01 -o e01.json >/dev/null &&
     python3 -c "import json; a=json.load(open(\"disk.json\"))[\"entries\"]; b=json.load(open(\"e01.json\"))[\"entries\"]; assert a==b"'
else
  fail "ewfacquire could not make an E01"
fi

check "DFXML of the image has one volume per file system" \
  'custos-hash -q --image disk.img -f dfxml -o disk.xml >/dev/null &&
   [ "$(python3 -c "import xml.etree.ElementTree as E; print(len(E.parse(\"disk.xml\").getroot().findall(\"{*}volume\")))")" = 2 ]'

check "an audit of the unchanged image exits 0" \
  'custos-hash -q --audit disk.json --image disk.img >audit.out'
cp fat.img fat2.img
printf 'hello, changed\n' > hello.txt
mcopy -o -i fat2.img hello.txt ::/hello.txt
custos-hash -q --image fat.img -o fat-ref.json >/dev/null
custos-hash -q --audit fat-ref.json --image fat2.img >audit2.out; rc=$?
check "an audit of a changed image exits 1" "[ $rc -eq 1 ]"
check "and names the changed file" 'grep -q "^changed: HELLO.TXT\|^changed: hello.txt" audit2.out'

# Types are given by worker threads while the walk reads on (filetype_queue.c):
# each must still be the type of its own file. Many files of mixed kinds in
# one ext4 image; each entry's type must be what file(1) says of the same
# bytes read back with icat (ELF files aside: see kinds.py). A type given to
# the wrong entry, or lost, fails here.
mkdir kinds
cat > mkkinds.py <<'EOF'
import gzip, os, struct, zlib
def png(w, h):
    raw = b"".join(b"\0" + bytes(3 * w) for _ in range(h))
    ch = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            ch(b"IDAT", zlib.compress(raw)) + ch(b"IEND", b""))
kinds = [lambda i: ("text %d\n" % i).encode() * (i % 7 + 1),
         lambda i: ("\u8b49\u64da %d\n" % i).encode("utf-16"),
         lambda i: gzip.compress(os.urandom(64), mtime=0),
         lambda i: png(i % 5 + 1, 3),
         lambda i: b"",
         lambda i: os.urandom(100 + 37 * i),
         lambda i: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
         lambda i: open("/bin/true", "rb").read()]
for i in range(400):
    with open("kinds/k%03d" % i, "wb") as f:
        f.write(kinds[i % len(kinds)](i))
EOF
python3 mkkinds.py
mkfs.ext4 -q -d kinds kinds.img 32M >/dev/null
cat > kinds.py <<'EOF'
import json, subprocess, sys
bad = n = 0
for e in json.load(open(sys.argv[1]))["entries"]:
    if e["type"] != "file":
        continue
    data = subprocess.run(["icat", sys.argv[2], str(e["inode"])], capture_output=True,
                          check=True).stdout
    f = lambda *a: subprocess.run(["file", "-b"] + list(a) + ["-"], input=data,
                                  capture_output=True, check=True).stdout.decode().strip()
    mime, desc = f("--mime-type"), f()
    if desc == "empty" and mime == "inode/x-empty":
        mime = "application/x-empty"  # the one documented difference
    n += 1
    got = (e.get("mime"), e.get("description"))
    if data.startswith(b"\x7fELF"):
        # Documented (docs/formats/manifest.md): no ELF reader for a file in an
        # image, so libmagic's soft magic alone ("shared object", no BuildID).
        ok = got[0] in ("application/x-sharedlib", "application/x-executable") and \
            got[1].startswith("ELF 64-bit LSB ") and desc.startswith("ELF 64-bit LSB ")
    else:
        ok = got == (mime, desc)
    if not ok:
        print("# %s: custos %r, file(1) %r" % (e["path"], got, (mime, desc)))
        bad += 1
print("# %d files typed, %d differ" % (n, bad))
sys.exit(1 if bad or n != 400 else 0)
EOF
check "400 files of mixed kinds in an image: every type equals file(1) on icat's bytes" \
  'custos-hash -q -j 3 --image kinds.img -o kinds.json >/dev/null && python3 kinds.py kinds.json kinds.img'

echo "1..$n"
[ $failed -eq 0 ]
