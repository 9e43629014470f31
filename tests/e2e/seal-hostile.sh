#!/bin/sh
# Hostile archives: a valid package rebuilt by python's tarfile and zipfile
# with one hostile entry added (path traversal, absolute path, symlink and
# hard link escapes, a device node, an entry outside the bag, a duplicate,
# payload before bag-info), and archive bombs (many entries, huge declared
# sizes). verify and extract must refuse each quickly (exit 6) with a clear
# message, and extract must write nothing, inside or outside its output.
. "$CUSTOS_SOURCE_ROOT/tests/e2e/seal-lib.sh"
make_keys
make_evidence
seal base.tar ev record.json || { echo "Bail out! cannot seal"; exit 1; }
mkdir -p jail/in && cd jail/in || exit 1
evil=$work/jail/evil

# mk OUT KIND: base.tar with one hostile change, written by python.
mk() {
  $PY - "$work/base.tar" "$1" "$2" "$evil" <<'PYEOF'
import io, sys, tarfile, zipfile
base, out, kind, evil = sys.argv[1:5]
src = tarfile.open(base)
members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
def info(name, data=b"", **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000
    for k, v in kw.items(): setattr(ti, k, v)
    return ti, data
extra = []
if kind == "dotdot": extra = [info("base/data/../../evil", b"x")]
elif kind == "dotdot2": extra = [info("../evil", b"x")]
elif kind == "absolute": extra = [info(evil, b"x")]
elif kind == "symlink": extra = [info("base/data/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")]
elif kind == "symlink-dir":
    extra = [info("base/data/up", type=tarfile.SYMTYPE, linkname="../../.."), info("base/data/up/evil", b"x")]
elif kind == "hardlink": extra = [info("base/data/hard", type=tarfile.LNKTYPE, linkname="/etc/passwd")]
elif kind == "device": extra = [info("base/data/dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)]
elif kind == "fifo": extra = [info("base/data/fifo", type=tarfile.FIFOTYPE)]
elif kind == "outside": extra = [info("other/x", b"x")]
elif kind == "duplicate": extra = [info("base/data/record.json", b'{"record":2}\n')]
elif kind == "tagbomb": extra = [info("base/junk/%d" % i, b"") for i in range(1500)]
elif kind == "filebomb": extra = [info("base/data/many/%d" % i, b"") for i in range(10010)]
if kind == "early":
    members = [m for m in members if m[0].name.startswith("base/data/")] + \
              [m for m in members if not m[0].name.startswith("base/data/")]
if kind == "zipdotdot":
    z = zipfile.ZipFile(out, "w")
    for m, d in members: z.writestr(m.name, d)
    z.writestr("base/data/../../evil", b"x")
    z.close(); sys.exit(0)
f = open(out, "wb")
t = tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT)
for m, d in members + extra:
    t.addfile(m, io.BytesIO(d) if d is not None else None)
if kind == "huge":
    # A header that declares 1 TiB, followed by a few bytes: the archive ends early.
    ti = tarfile.TarInfo("base/data/huge.bin"); ti.size = 1 << 40
    t.fileobj.write(ti.tobuf(tarfile.PAX_FORMAT)); t.fileobj.write(b"\0" * 1024)
    f.close(); sys.exit(0)
t.close(); f.close()
PYEOF
}

# hostile NAME KIND GLOB [options]: verify and extract both refuse (6), quickly, writing nothing.
hostile() {
  hname=$1 kind=$2 hglob=$3; shift 3
  case $kind in zip*) p=base.zip ;; *) p=base.tar ;; esac
  rm -f "$p"
  mk "$p" "$kind" || { fail "$hname (cannot build)"; return; }
  start=$(date +%s)
  expect "$hname: verify refuses" 6 "$hglob" custos-seal verify -q "$p" "$@"
  expect "$hname: extract refuses" 6 "$hglob" custos-seal extract -q "$p" -o out "$@"
  secs=$(( $(date +%s) - start ))
  if [ ! -e out ] && [ ! -e "$evil" ] && [ ! -e "$work/evil" ] && [ "$secs" -lt 20 ]; then
    pass "$hname: nothing written, inside or outside (${secs}s)"
  else fail "$hname: nothing written" "$(ls -la . .. "$work")"; fi
}
hostile "path with .. inside the bag" dotdot '*absolute path or ".." component*'
hostile "path starting with .." dotdot2 '*absolute path or ".." component*'
hostile "absolute path" absolute '*absolute path or ".." component*'
hostile "symbolic link" symlink '*data/link: a symbolic link, not a regular file*'
hostile "file through a symlinked directory" symlink-dir '*data/up: a symbolic link*'
hostile "hard link" hardlink '*data/hard: a hard link, not a regular file*'
hostile "device node" device '*data/dev: a device or special file*'
hostile "FIFO" fifo '*data/fifo: a device or special file*'
hostile "entry outside the bag directory" outside '*other/x: entry outside the bag directory base/*'
hostile "the same path twice" duplicate '*data/record.json: stored twice*'
hostile "zip with .." zipdotdot '*absolute path or ".." component*'
hostile "payload before bag-info.txt" early '*payload before bag-info.txt*'
hostile "bomb: 1500 tag files" tagbomb '*more than 1000 tag files*'
hostile "bomb: 10010 payload files beyond Payload-Oxum" filebomb '*over 10000 payload files more than Payload-Oxum declares*'
hostile "bomb: a 1 TiB declared size" huge '*data/huge.bin: declared size 1099511627776 bytes exceeds Payload-Oxum*'
hostile "bomb: more entries than --max-entries" tagbomb '*more than 100 entries*' --max-entries 100

# The untouched package still extracts here, and only under out/.
rm -f base.tar base.zip
cp "$work/base.tar" ok.tar
expect "the untouched package extracts" 0 "" custos-seal extract -q ok.tar -o out
[ "$(ls | grep -vx -e err.txt -e out.txt)" = "$(printf 'ok.tar\nout')" ] && [ ! -e "$evil" ] && pass "only out/ was created" ||
  fail "only out/ was created" "$(ls)"

cd "$work" || exit 1
done_tests
