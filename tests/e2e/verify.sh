#!/bin/sh
# custos-verify against a custos-hash manifest: a backup of sample evidence
# as a directory and in every container format libarchive writes here (tar,
# tar.gz, tar.xz, tar.zst, zip, 7z, cpio, iso), each verified clean, then
# damaged each way a backup breaks and each damage found and classified
# with its exit code: a byte flipped inside a compressed archive, a
# truncated archive, a deleted, an extra and a renamed file, an unreadable
# file (EIO from the fault shim). Sizes and digests are cross-checked with
# sha256sum and the JSON report with python3.
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
# expect NAME CODE ARGS...: custos-verify exits CODE
expect() {
    name=$1 code=$2; shift 2
    custos-verify "$@" >out.txt 2>err.txt; rc=$?  # not -q: the summary is checked
    if [ "$rc" -eq "$code" ]; then pass "$name (exit $code)"
    else fail "$name: exit $rc, expected $code"; sed 's/^/# /' out.txt err.txt; fi
}
# class REPORT NAME CLASS: the JSON report lists NAME with CLASS
class() {
    "$PY" - "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
got = [i["class"] for i in r["items"] if i["name"] == sys.argv[2]]
sys.exit(0 if got == [sys.argv[3]] else print("#", sys.argv[2], got) or 1)
EOF
}

# flip FILE OFFSET: inverts one byte in place
flip() {
    "$PY" -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# Sample evidence: text that compresses, random data that does not, a link, a
# name with a space, a nested directory.
mkdir -p evidence/logs evidence/mail
seq 1 30000 | sed 's/^/auth.log line /' > evidence/logs/auth.log
head -c 300000 /dev/urandom > evidence/disk-fragment.bin
printf 'From: a@example.org\nSubject: invoice\n\nsee attachment\n' > "evidence/mail/msg 1.eml"
printf 'notes of the custodian\n' > evidence/notes.txt
ln -s notes.txt evidence/notes.link
check "manifest by custos-hash" 'custos-hash -q -o m.json evidence >/dev/null'

expect "directory, full" 0 -r m.json evidence
check "says VERIFIED for a full clean check" 'grep -q "^VERIFIED: all 5 items" out.txt'
mkdir parent && cp -a evidence parent/
# verify-report.md section 4's re-check, exactly as written with sh -e, on a report of a
# directory named TARGET; it must also fail once a file there changed.
mkdir rc && cp -a evidence rc/TARGET &&
  (cd rc && custos-verify -q -r ../m.json -o report.json TARGET > /dev/null 2>&1)
awk '/^<!-- check: recheck -->$/ { t = 1; next } t && /^```sh$/ { f = 1; next }
  f && /^```$/ { exit } f' "${CUSTOS_SOURCE_ROOT:?}/docs/formats/verify-report.md" > rc/recheck.sh
check "verify-report.md's re-check passes, run as written" '(cd rc && sh -e recheck.sh > /dev/null 2>&1)'
printf 'changed\n' > rc/TARGET/notes.txt
check "verify-report.md's re-check fails once a file changed" '! (cd rc && sh -e recheck.sh > /dev/null 2>&1)'
expect "a directory holding only the root" 0 -r m.json parent

# Every container format.
tar -cf b.tar evidence
tar -czf b.tar.gz evidence
tar -cJf b.tar.xz evidence
tar --zstd -cf b.tar.zst evidence
(cd evidence && tar -czf ../dot.tar.gz .)
bsdtar --format zip -cf b.zip evidence
bsdtar --format 7zip -cf b.7z evidence
bsdtar --format newc -cf b.cpio evidence
bsdtar --format iso9660 -cf b.iso evidence
for f in b.tar b.tar.gz b.tar.xz b.tar.zst dot.tar.gz b.zip b.7z b.cpio b.iso; do
    expect "$f verifies in full" 0 -r m.json --json "$f"
    cp out.txt "$f.json"
done
custos-hash -q -o abs.json "$work/evidence" >/dev/null
expect "a manifest of an absolute path, against an archive of its last directory" 0 -r abs.json b.tar.xz
expect "  and against the directory" 0 -r abs.json evidence
check "the report names the container format" \
  '"$PY" -c "import json,sys; r=json.load(open(\"b.7z.json\")); sys.exit(r[\"target\"][\"format\"] != \"7-Zip\")"'
check "the report's digests are sha256sum's" \
  '"$PY" -c "import json; r=json.load(open(\"b.tar.xz.json\")); [print(i[\"actual\"] + \"  evidence/\" + i[\"name\"]) for i in r[\"items\"] if i.get(\"algorithm\") == \"sha256\"]" | sha256sum -c --quiet -'
expect "structure level reads no content" 0 -r m.json --level structure --json b.tar.gz
check "structure: every item not checked, 0 % bytes" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); sys.exit(not(r[\"totals\"][\"not_checked\"] == 5 and r[\"coverage\"][\"bytes_checked\"] == 0 and r[\"summary\"].startswith(\"STRUCTURE ONLY\")))"'

# Damage, one row per way a backup breaks: FILE CODE ITEM CLASS.
gzsize=$(stat -c %s b.tar.gz)
cp b.tar.gz flipped.tar.gz
# The random file sits in stored deflate blocks: a flipped byte there passes
# libarchive (it never checks gzip's CRC) and only the digest finds it.
off=$("$PY" - <<'EOF'
import zlib
d = open("b.tar.gz", "rb").read()
raw = zlib.decompress(d, 31)
frag = open("evidence/disk-fragment.bin", "rb").read()
# find a 64-byte run of the random file in the compressed stream
i = d.find(frag[150000:150064])
print(i + 10 if i > 0 else len(d) // 2)
EOF
)
flip flipped.tar.gz "$off"
head -c $((gzsize * 2 / 3)) b.tar.gz > truncated.tar.gz
zsize=$(stat -c %s b.zip)
cp b.zip flipped.zip
zoff=$("$PY" -c "
d = open('b.zip','rb').read(); f = open('evidence/disk-fragment.bin','rb').read()
i = d.find(f[1000:1064]); assert i > 0; print(i + 5)")
flip flipped.zip "$zoff"

expect "byte flipped inside tar.gz" 1 -r m.json --json flipped.tar.gz
cp out.txt flipped.json
check "  the damaged file is changed, the rest ok" \
  'class flipped.json disk-fragment.bin changed && class flipped.json notes.txt ok'
check "  gzip -t agrees the archive is damaged" '! gzip -t flipped.tar.gz 2>/dev/null'
expect "truncated tar.gz" 5 -r m.json --json truncated.tar.gz
cp out.txt trunc.json
check "  entries after the cut are unreadable, the container corrupt" \
  'grep -q "\"class\": \"unreadable\"" trunc.json && grep -q "\"status\": \"corrupt\"" trunc.json'
expect "byte flipped inside zip (its CRC catches it)" 5 -r m.json --json flipped.zip
check "  the damaged entry is unreadable" 'class out.txt disk-fragment.bin unreadable'

cp -a evidence d1 && rm d1/notes.txt
expect "deleted file" 1 -r m.json --json d1
check "  missing" 'class out.txt notes.txt missing'
cp -a evidence d2 && printf 'planted\n' > d2/extra.txt
expect "extra file" 1 -r m.json --json d2
check "  extra" 'class out.txt extra.txt extra'
cp -a evidence d3 && mv d3/logs/auth.log d3/logs/auth.log.1
expect "renamed file" 1 -r m.json --json d3
check "  moved, with its new name" \
  'class out.txt logs/auth.log moved && grep -q "\"moved_to\": \"logs/auth.log.1\"" out.txt'
(cd d3 && tar -czf ../d3.tar.gz .)
expect "renamed file inside an archive" 1 -r m.json --json d3.tar.gz
check "  moved" 'class out.txt logs/auth.log moved'
cp -a evidence d4 && printf 'X' | dd of=d4/logs/auth.log bs=1 seek=100 conv=notrunc status=none
expect "changed file, same size" 1 -r m.json --json d4
check "  changed" 'class out.txt logs/auth.log changed'
expect "  structure level cannot see it (and says content not checked)" 0 -r m.json --level structure d4
cp -a evidence d5 && rm d5/notes.link && ln -s "mail/msg 1.eml" d5/notes.link
expect "link retargeted" 1 -r m.json --json d5
check "  changed" 'class out.txt notes.link changed'

if [ -n "${CUSTOS_FAULT_SHIM:-}" ] && [ -f "$CUSTOS_FAULT_SHIM" ]; then
    cp -a evidence d6
    LD_PRELOAD=$CUSTOS_FAULT_SHIM CUSTOS_FAULT_PATH=$work/d6/logs/auth.log \
        CUSTOS_FAULT_SECTORS=10-12 custos-verify -q -r m.json --json d6 >out.txt 2>err.txt
    rc=$?
    check "unreadable file: exit 3" '[ "$rc" -eq 3 ]'
    check "  unreadable, with the read error" \
      'class out.txt logs/auth.log unreadable && grep -q "read error at byte" out.txt'
    # Unreadable plus a mismatch: 1 wins over 3.
    printf 'planted\n' > d6/extra.txt
    LD_PRELOAD=$CUSTOS_FAULT_SHIM CUSTOS_FAULT_PATH=$work/d6/logs/auth.log \
        CUSTOS_FAULT_SECTORS=10-12 custos-verify -q -r m.json d6 >/dev/null 2>&1
    rc=$?
    check "  with an extra file too: exit 1 wins over 3" '[ "$rc" -eq 1 ]'
else
    fail "the fault shim is built (CUSTOS_FAULT_SHIM)"
fi

# Restore test.
expect "restore test of a tar.zst" 0 -r m.json --restore --json b.tar.zst
check "  passed, and the private directory is gone" \
  'grep -q "\"result\": \"passed\"" out.txt && ! ls "${TMPDIR:-/tmp}" | grep -q "^custos-verify-"'
mkdir tiny
if mount -t tmpfs -o size=64k tmpfs tiny 2>/dev/null; then
    expect "restore without enough space: not tested" 3 -r m.json --restore --tmpdir tiny --json b.tar
    check "  says not tested, never passed" 'grep -q "\"result\": \"not tested\"" out.txt'
    umount tiny
else
    pass "# SKIP restore without space: cannot mount a small tmpfs"
fi

# Bags (RFC 8493).
mkdir -p bag/data && cp -a evidence/logs evidence/notes.txt bag/data/
printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' > bag/bagit.txt
(cd bag && find data -type f | sort | xargs sha256sum > manifest-sha256.txt &&
    find data -type f | sort | xargs md5sum > manifest-md5.txt)
expect "a valid bag" 0 -r bag --json
check "  by each file's strongest digest: sha256 computed, md5 held" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); sys.exit(not(r[\"digests\"] == {\"computed\": [\"sha256\"], \"held\": [\"md5\", \"sha256\"]}))"'
expect "a valid bag, --digests md5,sha256" 0 -r bag --digests md5,sha256 --json
check "  both computed" \
  '"$PY" -c "import json,sys; r=json.load(open(\"out.txt\")); sys.exit(not(r[\"digests\"][\"computed\"] == [\"md5\", \"sha256\"]))"'
printf 'y' >> bag/data/notes.txt
expect "a bag with a changed payload file" 1 -r bag --json
check "  changed" 'class out.txt data/notes.txt changed'

echo "1..$n"
[ "$failed" -eq 0 ]
