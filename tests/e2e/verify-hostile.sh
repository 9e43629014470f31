#!/bin/sh
# custos-verify and hostile targets (issue 19): archives whose members are
# FIFOs or device nodes under a reference file's name, escape the target
# (absolute names, "..", hard links out, paths through a symbolic link), come
# twice, or are decompression bombs, deeply nested or very many. Each is
# refused (exit 6) or reported with its documented exit code, nothing is
# written outside the target, --restore never leaves anything in TMPDIR and
# says so truthfully, and no run hangs (every run is under timeout).
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
mkdir tmp; export TMPDIR="$work/tmp"
# expect NAME CODE ARGS...: custos-verify exits CODE within 120 s
expect() {
    name=$1 code=$2; shift 2
    timeout 120 custos-verify -q "$@" >out.txt 2>err.txt; rc=$?
    if [ "$rc" -eq "$code" ]; then pass "$name (exit $code)"
    else fail "$name: exit $rc, expected $code"; sed 's/^/# /' out.txt err.txt | head -20; fi
}
field() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
tmp_empty() { [ -z "$(ls -A tmp)" ]; }

cat > mk.py <<'PYEOF'
import io, sys, tarfile
def add(t, name, data=b"", type=tarfile.REGTYPE, **kw):
    ti = tarfile.TarInfo(name); ti.type = type; ti.mode = 0o644
    for k, v in kw.items(): setattr(ti, k, v)
    if type == tarfile.REGTYPE:
        ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)
kind, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w:gz" if kind == "bomb" else "w", format=tarfile.PAX_FORMAT) as t:
    add(t, "evidence/a.txt", b"alpha\n")
    if kind == "fifo": add(t, "evidence/b.txt", type=tarfile.FIFOTYPE)
    elif kind == "chr": add(t, "evidence/b.txt", type=tarfile.CHRTYPE, devmajor=1, devminor=5)
    elif kind == "bomb": add(t, "evidence/b.txt", b"\0" * (64 << 20))
    else: add(t, "evidence/b.txt", b"bravo\n")
    if kind == "deep": add(t, "evidence/" + "d/" * 5000 + "deep.txt", b"deep\n")
    elif kind == "dotdot": add(t, "evidence/../../escape.txt", b"x\n")
    elif kind == "abs": add(t, sys.argv[3], b"x\n")
    elif kind == "dup": add(t, "evidence/b.txt", b"bravo\n")
    elif kind == "dupextra": add(t, "evidence/c.txt", b"1\n"); add(t, "evidence/c.txt", b"2\n")
    elif kind == "hardlink": add(t, "evidence/h", type=tarfile.LNKTYPE, linkname="/etc/passwd")
    elif kind == "symlink":
        add(t, "evidence/l", type=tarfile.SYMTYPE, linkname=sys.argv[3])
        add(t, "evidence/l/escape.txt", b"x\n")
    elif kind == "control": add(t, "evidence/c\x1b[2J\x07.txt", b"x\n")
    elif kind == "many":
        for i in range(int(sys.argv[3])): add(t, "evidence/x/%06d" % i, b"")
PYEOF

mkdir evidence && printf 'alpha\n' > evidence/a.txt && printf 'bravo\n' > evidence/b.txt
check "manifest by custos-hash" 'custos-hash -q -o m.json evidence >/dev/null'
for k in plain fifo chr bomb deep dotdot dup dupextra hardlink control; do "$PY" mk.py $k $k.tar; done
"$PY" mk.py abs abs.tar "$work/outside/abs.txt"
mkdir outside
"$PY" mk.py symlink symlink.tar "$work/outside"
expect "a clean archive" 0 -r m.json plain.tar

# FIFOs and device nodes: refused, never opened, never extracted.
expect "a FIFO member under a reference file's name is refused" 6 -r m.json fifo.tar
check "  one line on stderr naming the member" \
  '[ "$(wc -l < err.txt)" -eq 1 ] && grep -q "evidence/b.txt.*FIFO" err.txt'
expect "  and with --restore" 6 -r m.json --restore fifo.tar
check "  TMPDIR is empty" tmp_empty
expect "a device node member is refused" 6 -r m.json --restore chr.tar
check "  TMPDIR is empty" tmp_empty
cp -a evidence dfifo && rm dfifo/b.txt && mkfifo dfifo/b.txt
expect "a FIFO in a directory target: changed, never opened" 1 -r m.json --json dfifo
check "  reported as no regular file" \
  '[ "$(field out.txt "[i[\"class\"] + \" \" + i.get(\"detail\", \"\") for i in r[\"items\"] if i[\"name\"] == \"b.txt\"][0]")" = "changed is not a regular file (a FIFO, device or socket)" ]'

mkfifo ref.fifo
expect "a FIFO as the reference is not opened" 5 -r ref.fifo plain.tar

# Escapes and duplicates: refused (exit 6), nothing written outside.
expect "a \"..\" member is refused" 6 -r m.json --restore dotdot.tar
check "  nothing written outside the target" '[ ! -e "$work/../escape.txt" ] && [ ! -e escape.txt ]'
expect "an absolute member is refused" 6 -r m.json --restore abs.tar
check "  nothing written at the absolute name" '[ ! -e outside/abs.txt ]'
expect "a hard link to /etc/passwd is refused" 6 -r m.json --restore hardlink.tar
expect "a member through a symbolic link member is refused" 6 -r m.json --restore symlink.tar
check "  nothing written through the link" '[ -z "$(ls -A outside)" ]'
expect "a reference file twice in the archive is refused" 6 -r m.json dup.tar
expect "an extra file twice in the archive is refused" 6 -r m.json dupextra.tar
check "after all of these TMPDIR is empty" tmp_empty
expect "a name with control bytes is evidence: extra, not refused" 1 -r m.json --json control.tar
check "  the report keeps the name's bytes" \
  '[ "$(field out.txt "[i[\"name\"] for i in r[\"items\"] if i[\"class\"] == \"extra\"] == [\"c\x1b[2J\x07.txt\"]")" = True ]'

# A hard link between two reference files restores as one (tar stores the second as a link).
mkdir -p hl/evidence && printf 'same\n' > hl/evidence/one.txt && ln hl/evidence/one.txt hl/evidence/two.txt
check "manifest of two hard-linked files" 'custos-hash -q -o hl.json hl/evidence >/dev/null'
(cd hl && tar -cf ../hl.tar evidence)
expect "a hard link member with --restore" 0 -r hl.json --restore --json hl.tar
check "  the restore passed with both files" \
  '[ "$(field out.txt "(r[\"restore\"][\"result\"], r[\"restore\"][\"files\"])")" = "('"'"'passed'"'"', 2)" ]'
check "  TMPDIR is empty" tmp_empty

# A decompression bomb under a small file's name: read and extracted only to
# the recorded size plus one byte.
expect "a 64 MiB bomb under a 6-byte file's name" 1 -r m.json --restore --json bomb.tar
check "  changed, read no further than one block past the recorded size" \
  '[ "$(field out.txt "r[\"bytes_read\"] < (2 << 20)")" = True ]'
check "  the restore failed, cut at the recorded size" \
  'field out.txt "r[\"restore\"][\"detail\"]" | grep -q "more than the recorded 6 bytes (cut there)"'
check "  TMPDIR is empty" tmp_empty

# 5,000 nested directories: the report says the directory was removed only when it was.
expect "a 5,000-component member with --restore" 1 -r m.json --restore --json deep.tar
check "  TMPDIR is empty" tmp_empty
check "  the restore passed for the reference's files and says the directory was removed" \
  '[ "$(field out.txt "r[\"restore\"][\"result\"]")" = passed ] && field out.txt "r[\"restore\"][\"detail\"]" | grep -q "was removed"'

# Very many members: listed up to the cap, all counted.
"$PY" mk.py many many.tar 12000
expect "12,000 extra members" 1 -r m.json --json many.tar
check "  all counted, 10,000 listed, the rest counted as not listed" \
  '[ "$(field out.txt "(r[\"totals\"][\"extra\"], r[\"totals\"][\"extra_not_listed\"], len(r[\"items\"]))")" = "(12000, 2000, 10002)" ]'

echo "1..$n"
[ "$failed" -eq 0 ]
