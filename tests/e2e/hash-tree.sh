#!/bin/sh
# custos-hash on a directory tree with everything awkward in it: names with
# spaces, newlines, backslashes and non-UTF-8 bytes, empty files, a 1 GiB
# sparse file, symlink loops, a fifo, and unreadable files and directories.
# Digests are checked with sha256sum -c / md5sum -c / sha1sum -c and Python's
# hashlib, the hashdeep output with hashdeep's own audit, the DFXML with an
# XML parser.
#
# Unreadable files: root reads a mode-000 file anyway, so when run as root
# the unreadable case runs custos-hash as the unprivileged user nobody
# (setpriv, util-linux), for whom mode 000 really does refuse the open. That
# is the real open(2) failure, not a simulation. A read(2) failure after a
# good open is the real EIO of /proc/self/mem at an unmapped offset.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

mkdir -p t/sub/deeper t/plain
printf 'hello\n' > t/plain/a.txt
printf 'abc' > t/plain/abc
: > t/plain/empty
head -c 300000 /dev/urandom > t/plain/random.bin
printf 'space' > "t/with space"
printf 'newline' > "t/new$(printf '\nline')"
printf 'backslash' > 't/back\slash'
printf 'cr' > "t/cr$(printf '\r')x"
printf 'latin1' > "t/caf$(printf '\351')"
printf 'utf8' > "t/café ✓"
printf 'dash' > t/-dash
: > t/sub/deeper/empty2
truncate -s 1G t/sparse
ln -s loop2 t/loop1
ln -s loop1 t/loop2
ln -s . t/sub/self
ln -s .. t/sub/deeper/up
ln -s /nonexistent t/dangling
mkfifo t/fifo

check "hash a tree with every awkward name" \
  'custos-hash -d all -o m.json t >out 2>err'
check "summary counts files, links and special files" \
  'grep -q "^13 files (1.00 GiB) hashed, 5 symlinks, 1 special skipped, 0 unreadable$" out'

# Every non-directory appears exactly once.
want=$(find t ! -type d -print0 | tr -cd '\0' | wc -c)
check "every non-directory is an entry ($want)" \
  "[ \"\$(python3 -c 'import json,sys; print(len(json.load(open(\"m.json\"))[\"entries\"]))')\" = $want ]"

# An independent check of every digest, name bytes included.
cat > verify.py <<'EOF'
import base64, hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
bad = 0
for e in m["entries"]:
    name = base64.b64decode(e["path_base64"]) if "path_base64" in e else os.fsencode(e["path"])
    if e["type"] == "file":
        data = open(name, "rb").read()
        for alg in m["digests"]:
            if hashlib.new(alg, data).hexdigest() != e[alg]:
                print("digest mismatch", name, alg); bad += 1
        if len(data) != e["size"]:
            print("size mismatch", name); bad += 1
    elif e["type"] == "symlink":
        t = base64.b64decode(e["target_base64"]) if "target_base64" in e else os.fsencode(e["target"])
        if os.readlink(name) != t:
            print("target mismatch", name); bad += 1
    elif e["type"] == "special":
        if not os.path.exists(name) or os.path.isfile(name):
            print("special wrong", name); bad += 1
sys.exit(1 if bad else 0)
EOF
check "hashlib agrees with every digest, size, name and link target" 'python3 verify.py m.json'
check "a non-UTF-8 name is carried in path_base64" \
  'grep -q "\"path_base64\": \"dC9jYWbp\"" m.json'
check "a name with a newline is a JSON escape" 'grep -q "\"path\": \"t/new\\\\nline\"" m.json'
check "the fifo is listed as special" \
  'python3 -c "import json; e=[x for x in json.load(open(\"m.json\"))[\"entries\"] if x[\"path\"]==\"t/fifo\"][0]; assert e[\"type\"]==\"special\" and e[\"kind\"]==\"fifo\""'
check "the sparse file has the digest of 1 GiB of zeros" \
  "[ \"\$(python3 -c 'import json; print([x[\"sha256\"] for x in json.load(open(\"m.json\"))[\"entries\"] if x[\"path\"]==\"t/sparse\"][0])')\" = \"\$(head -c 1073741824 /dev/zero | sha256sum | cut -c1-64)\" ]"
check "content type from libmagic" 'grep -q "\"mime\": \"text/plain\"" m.json'

for f in sha256sum sha1sum md5sum; do
  check "$f-style output" "custos-hash -q -d all -f $f -o $f.txt t >/dev/null"
  check "$f -c accepts every line, odd names included" "$f --quiet -c $f.txt"
done
check "sha256sum lines escape the newline name as coreutils does" \
  'grep -q "^\\\\[0-9a-f]*  t/new\\\\nline$" sha256sum.txt'

check "hashdeep format refuses a name with a newline (exit 5)" \
  'custos-hash -q -f hashdeep -o hd.txt t 2>hd.err; [ $? -eq 5 ] && grep -q "cannot hold a name with a newline" hd.err && [ ! -e hd.txt ]'
check "hashdeep format of a plain tree" 'custos-hash -q -d md5,sha256 -f hashdeep -o hd.txt t/plain >/dev/null'
# The audit exactly as docs/formats/manifest.md documents it.
check "hashdeep -l -o f -a -k audits it clean (hashdeep itself)" \
  'hashdeep -l -o f -a -k hd.txt -r t/plain >hd.out && grep -qx "hashdeep: Audit passed" hd.out'
check "the same audit fails once a file changed" \
  'cp -a t/plain t/plain.keep && f=$(find t/plain -type f | head -n 1) && printf x >>"$f" &&
   ! hashdeep -l -o f -a -k hd.txt -r t/plain >hd2.out; r=$?; rm -rf t/plain && mv t/plain.keep t/plain; [ $r -eq 0 ]'
check "dfxml output" 'custos-hash -q -d md5,sha1 -f dfxml -o m.xml t >/dev/null'
check "dfxml is well-formed XML with one fileobject per entry" \
  "[ \"\$(python3 -c 'import xml.etree.ElementTree as E; print(len(E.parse(\"m.xml\").getroot().findall(\".//{*}fileobject\")))')\" = $want ]"

check "-o - writes the manifest on stdout" 'custos-hash -q -o - t/plain >stdout.json 2>/dev/null && python3 verify.py stdout.json'
check "one thread and four threads give the same entries" \
  'custos-hash -q -j 1 -o j1.json t >/dev/null && custos-hash -q -j 4 -o j4.json t >/dev/null &&
   grep -v "\"created\"" j1.json >j1 && grep -v "\"created\"" j4.json >j4 && cmp -s j1 j4'
check "an existing output is refused (exit 6) and kept" \
  'echo keep >exists; custos-hash -q -o exists t 2>/dev/null; [ $? -eq 6 ] && [ "$(cat exists)" = keep ]'
check "nothing hashed leaves no temporary file" '! ls -a | grep -q incomplete'

# Unreadable files and directories.
mkdir -p u/closed u/open
printf 'secret' > u/secret
printf 'fine' > u/open/fine
printf 'inside' > u/closed/inside
chmod 000 u/secret u/closed
if [ "$(id -u)" -eq 0 ]; then
  chmod 755 "$work"; mkdir outdir; chmod 777 outdir
  . "$here/nobody-lib.sh"
  nobody_tools custos-hash || fail "copy the tools for nobody"
  as_user=$as_nobody
else
  mkdir outdir; as_user="env"
fi
if [ -n "$as_user" ]; then
  $as_user custos-hash -q -o outdir/u.json u >u.out 2>u.err; rc=$?
  check "unreadable input: exit 3" "[ $rc -eq 3 ]"
  check "the unreadable file is reported" 'grep -q "^custos-hash: u/secret: cannot open: Permission denied$" u.err'
  check "the unreadable directory is reported" 'grep -q "^custos-hash: u/closed: cannot read directory: Permission denied$" u.err'
  check "the manifest is still written, recording both with their reason" \
    'grep -q "\"error\": \"u/secret: cannot open: Permission denied\"" outdir/u.json && grep -q "\"error\": \"u/closed: cannot read directory" outdir/u.json'
  check "the readable file is hashed" 'grep -q "\"path\": \"u/open/fine\"" outdir/u.json'
  check "the summary counts 2 unreadable" 'grep -q "1 files .* 2 unreadable" u.out'
else
  n=$((n + 1)); echo "ok $n # SKIP setpriv cannot drop privileges here"
fi
chmod 755 u/closed; chmod 644 u/secret

# Content types against file(1) on real file kinds, each made here by the
# tool that makes it. custos-hash must record what `file -b --mime-type`
# and `file -b` say of the same file; the one deliberate difference (an
# empty file: libmagic on its content says application/x-empty, file(1)
# names the inode, inode/x-empty) is in docs/formats/manifest.md. Some
# kinds are known by their last bytes (a PHP phar archive, a zip's end
# record) and an ELF file's details by headers anywhere in it: libmagic
# must see the file as file(1) does, not only a first block of it.
mkdir types
printf '%s\n' '%PDF-1.4' '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj' \
  '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj' 'trailer << /Root 1 0 R >>' '%%EOF' > types/doc.pdf
if command -v convert >/dev/null && convert -size 40x30 xc:red types/red.png 2>/dev/null; then
  convert types/red.png types/red.jpg
  convert types/red.png types/red.gif
fi
printf 'hello\n' > types/hello.txt
python3 -c 'import sys; sys.stdout.write("Gr\u00fc\u00dfe \u8b49\u64da\u4fdd\u5168\n" * 20)' > types/utf8.txt
iconv -f UTF-8 -t UTF-16 types/utf8.txt > types/utf16.txt
python3 -c 'import sys; sys.stdout.buffer.write("\u8b49\u64da\u4fdd\u5168\uff0c\u9451\u8b58\u5831\u544a\n".encode("big5") * 30)' > types/big5.txt
printf 'caf\351 cr\350me br\373l\351e\n' > types/latin1.txt
printf 'a,b\r\nc,d\r\n' > types/crlf.txt
printf '#!/bin/sh\necho hello\n' > types/script.sh
printf '{"a": [1, 2, {"b": null}]}\n' > types/data.json
printf '<?xml version="1.0"?>\n<root><a>1</a></root>\n' > types/doc.xml
printf '<!DOCTYPE html>\n<html><head><title>t</title></head><body>x</body></html>\n' > types/page.html
cp "$(command -v sh)" types/elf-sh
: > types/empty
head -c 5000 /dev/urandom > types/random.bin
head -c 100000 /dev/zero > types/zeros.bin
(cd types && tar -cf ../bundle.tar hello.txt script.sh && mv ../bundle.tar . &&
  gzip -c hello.txt > hello.txt.gz && zip -q small.zip hello.txt utf8.txt)
head -c 3000000 /dev/urandom > big.bin
(cd types && zip -q -0 big.zip ../big.bin hello.txt)
python3 -c 'import sys; sys.stdout.buffer.write(b"\0" * 2000 + b"\3\0\0\0GBMB")' > types/small.phar
python3 -c 'import sys; sys.stdout.buffer.write(b"\0" * 2000000 + b"\3\0\0\0GBMB")' > types/big.phar
# An OpenDocument text: a zip whose first member, stored, is its MIME type.
mkdir odt && (cd odt && printf 'application/vnd.oasis.opendocument.text' > mimetype &&
  mkdir META-INF && printf '<?xml version="1.0"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>\n' > META-INF/manifest.xml &&
  printf '<?xml version="1.0"?>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>\n' > content.xml &&
  zip -q -0 -X ../types/doc.odt mimetype && zip -q -X -r ../types/doc.odt META-INF content.xml)
check "hash the file kinds with content types" 'custos-hash -q -o types.json types >/dev/null 2>types.err'
cat > types.py <<'EOF'
import json, subprocess, sys
m = json.load(open(sys.argv[1]))
bad = 0
for e in m["entries"]:
    if e["type"] != "file":
        continue
    p = e["path"]
    def run(*args):
        return subprocess.run(["file", "-b", *args, p], capture_output=True, text=True).stdout.rstrip("\n")
    mime, desc = run("--mime-type"), run()
    if desc == "empty" and mime == "inode/x-empty":
        mime = "application/x-empty"  # the one documented difference
    got = (e.get("mime"), e.get("description"))
    if got != (mime, desc):
        print("%s: custos %r, file(1) %r" % (p, got, (mime, desc)))
        bad += 1
print("%d files typed, %d differ from file(1)" % (len(m["entries"]), bad))
sys.exit(1 if bad else 0)
EOF
check "every type equals file --mime-type and file -b" 'python3 types.py types.json >types.out 2>&1 || { cat types.out; false; }'
check "the kinds are recognised (not all data)" \
  'for t in application/pdf application/zip application/x-tar application/gzip text/x-shellscript \
      application/vnd.oasis.opendocument.text; do grep -q "\"mime\": \"$t\"" types.json || exit 1; done'
check "kinds known by their last bytes, below and above 1 MiB" \
  '[ "$(grep -c "\"description\": \"PHP phar archive with SHA256 signature\"" types.json)" = 2 ]'
check "an ELF file with the details only its headers give" \
  'grep -q "\"description\": \"ELF .*, dynamically linked" types.json'
check "one worker gives the same types" \
  'custos-hash -q -j 1 -o types1.json types >/dev/null 2>&1 && python3 types.py types1.json >/dev/null'

# A read(2) that fails after a successful open: offset 0 of /proc/self/mem
# (custos-hash's own memory) is unmapped, so the kernel returns EIO.
custos-hash -q -o mem.json /proc/self/mem >mem.out 2>mem.err; rc=$?
check "a read failure exits 3" "[ $rc -eq 3 ]"
check "and is reported with the offset and cause" \
  'grep -qx "custos-hash: /proc/self/mem: read failed at offset 0: Input/output error" mem.err &&
   grep -q "\"error\": \"/proc/self/mem: read failed at offset 0: Input/output error\"" mem.json'

echo "1..$n"
[ $failed -eq 0 ]
