#!/bin/sh
# docs/formats/manifest.md cannot drift from the code: every command block
# marked <!-- test --> is run in a copy of the test vector's directory and
# its output compared with the block that follows it. The vector must also
# audit clean against its tree, and a fresh manifest of that tree must have
# the same entries.
set -u
root=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -a "$root/tests/data/manifest-v1" "$root/tests/data/manifest-v1.json" "$work/" || exit 1
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }

# Split the document into numbered command and expected-output files.
python3 - "$root/docs/formats/manifest.md" <<'PY'
import re, sys
doc = open(sys.argv[1]).read()
blocks = re.findall(r"<!-- test -->\n```sh\n(.*?)```\n```text\n(.*?)```", doc, re.S)
for i, (cmd, out) in enumerate(blocks, 1):
    open("cmd%d.sh" % i, "w").write(cmd)
    open("want%d.txt" % i, "w").write(out)

PY
count=$(ls cmd*.sh 2>/dev/null | wc -l)
if [ "$count" -ge 3 ]; then pass "the document has $count tested command blocks"
else fail "the document has $count tested command blocks (want at least 3)"; fi
i=1
while [ $i -le "$count" ]; do
  if sh "cmd$i.sh" >"got$i.txt" 2>"err$i.txt" && cmp -s "got$i.txt" "want$i.txt"; then
    pass "block $i: $(head -1 "cmd$i.sh")"
  else
    fail "block $i: $(head -1 "cmd$i.sh")"
    diff "want$i.txt" "got$i.txt" | sed 's/^/# /'; sed 's/^/# /' "err$i.txt"
  fi
  i=$((i + 1))
done

if custos-hash -q --audit manifest-v1.json manifest-v1 >audit.out; then
  pass "custos-hash reads the vector and audits its tree clean"
else
  fail "custos-hash reads the vector and audits its tree clean"; sed 's/^/# /' audit.out
fi
if custos-hash -q -d all -o new.json manifest-v1 >/dev/null &&
   python3 -c '
import json
strip = lambda d: [{k: v for k, v in e.items() if k != "mtime"} for e in json.load(open(d))["entries"]]
assert strip("new.json") == strip("manifest-v1.json")'; then
  pass "a new manifest of the tree has the vector's entries"
else
  fail "a new manifest of the tree has the vector's entries"
fi
# hashdeep's own audit of a -f hashdeep manifest (issue 18 item 4), with
# Chinese, accented, Latin-1, tab, escape and comma names and a symlink,
# exactly as docs/formats/manifest.md section 5 writes the command.
mkdir -p hd/子目錄
printf 'a\n' > hd/café.txt
printf 'b\n' > "hd/子目錄/證物 清單.txt"
printf 'c\n' > "hd/$(printf 'lat\351')"
printf 'd\n' > "hd/$(printf 'tab\there')"
printf 'e\n' > "hd/$(printf 'esc\033[1m')"
printf 'f\n' > hd/comma,name.txt
: > hd/empty
ln -s café.txt hd/link
if custos-hash -q -d all -f hashdeep -o hd.hd hd >/dev/null &&
   [ "$(hashdeep -l -o f -a -k hd.hd -r hd 2>&1)" = "hashdeep: Audit passed" ]; then
  pass "hashdeep -l -o f -a -k audits the tree clean"
else
  fail "hashdeep -l -o f -a -k audits the tree clean"; hashdeep -vv -l -o f -a -k hd.hd -r hd 2>&1 | sed 's/^/# /'
fi
printf 'B\n' > "hd/子目錄/證物 清單.txt"
if hashdeep -l -o f -a -k hd.hd -r hd >/dev/null 2>&1; then fail "hashdeep's audit fails after a change"
else pass "hashdeep's audit fails after a change"; fi
# DFXML (issue 18 item 3): valid against dfxml_schema's dfxml.xsd, and equal
# to what fiwalk -X writes on the same images in the fields both record
# (partition numbering, names and their escaping, inode, size, allocation,
# MD5/SHA-1), on an MBR disk holding two ext4 file systems whose names are
# Chinese, accented, control characters, a backslash and Latin-1, and on an
# NTFS image with a named stream.
xsd="$root/tests/data/dfxml_schema/dfxml.xsd"
mkdir -p dsrc/子目錄
printf 'a\n' > dsrc/café.txt
printf 'b\n' > "dsrc/子目錄/證物 清單.txt"
printf 'c\n' > "dsrc/$(printf 'tab\there')"
printf 'd\n' > "dsrc/$(printf 'lat\351')"
printf 'e\n' > "dsrc/$(printf 'ctl\001\033x')"
printf 'f\n' > "dsrc/$(printf 'back\\slash')"
printf 'g\n' > "dsrc/a&b<c>'q\".txt"
mkfs.ext4 -q -d dsrc dext.img 4M >/dev/null
truncate -s 16M ddisk.img
python3 -c '
import struct
e = lambda t, start, size: struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", t, b"\xfe\xff\xff", start, size)
with open("ddisk.img", "r+b") as f:
    f.seek(446); f.write(e(0x83, 2048, 8192) + e(0x83, 12288, 8192) + bytes(32) + b"\x55\xaa")'
dd if=dext.img of=ddisk.img bs=512 seek=2048 conv=notrunc status=none
dd if=dext.img of=ddisk.img bs=512 seek=12288 conv=notrunc status=none
truncate -s 16M dntfs.img
mkntfs -q -F -f dntfs.img >/dev/null 2>&1
printf 'hello\n' > h.txt; printf '[ZoneTransfer]\n' > zone.txt
ntfscp dntfs.img h.txt 'hé 你好.txt' >/dev/null 2>&1
ntfscp -N Zone.Identifier dntfs.img zone.txt 'hé 你好.txt' >/dev/null 2>&1
cat > dfcmp.py <<'EOF'
import sys, xml.etree.ElementTree as ET
D = "{http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML}"
def load(f):
    out = {}
    for fo in ET.parse(f).getroot().iter(D + "fileobject"):
        get = lambda t: fo.findtext(D + t)
        h = {x.get("type"): x.text for x in fo.findall(D + "hashdigest")}
        out[(get("partition"), get("filename"))] = dict(
            inode=get("inode"), size=get("filesize"), alloc=get("alloc"), md5=h.get("md5"), sha1=h.get("sha1"))
    return out
fi, cu = load(sys.argv[1]), load(sys.argv[2])
need = [tuple(a.split("|")) for a in sys.argv[3:]]
for k in need:
    assert k in cu and k in fi, ("missing", k, k in cu, k in fi)
common = [k for k in cu if k in fi]
for k in common:
    f, c = fi[k], cu[k]
    for field in ("inode", "size", "alloc"):
        assert f[field] == c[field], (k, field, f[field], c[field])
    for field in ("md5", "sha1"):
        if f[field] is not None:
            assert f[field] == c[field], (k, field, f[field], c[field])
print(len(common), "file objects agree")
EOF
for img in ddisk dntfs; do
  if custos-hash -q -d all -f dfxml --image $img.img -o $img.xml >/dev/null &&
     xmllint --nonet --noout --schema "$xsd" $img.xml 2>xmllint.err; then
    pass "DFXML of $img.img validates against dfxml.xsd (xmllint)"
  else fail "DFXML of $img.img validates against dfxml.xsd (xmllint)"; sed 's/^/# /' xmllint.err; fi
  fiwalk -X fiwalk-$img.xml $img.img >/dev/null 2>&1
done
if custos-hash -q -d all -f dfxml -o tree.xml dsrc >/dev/null &&
   xmllint --nonet --noout --schema "$xsd" tree.xml 2>xmllint.err; then
  pass "DFXML of a directory tree validates against dfxml.xsd (xmllint)"
else fail "DFXML of a directory tree validates against dfxml.xsd (xmllint)"; sed 's/^/# /' xmllint.err; fi
if python3 dfcmp.py fiwalk-ddisk.xml ddisk.xml \
    "1|café.txt" "2|café.txt" "1|子目錄/證物 清單.txt" '1|tab\x09here' '2|lat\xE9' \
    '1|ctl\x01\x1Bx' '2|back\x5Cslash' "1|a&b<c>'q\".txt" >dfcmp.out 2>&1; then
  pass "fiwalk -X and custos-hash agree on the partitioned ext4 image: $(cat dfcmp.out)"
else fail "fiwalk -X and custos-hash agree on the partitioned ext4 image"; sed 's/^/# /' dfcmp.out; fi
if python3 dfcmp.py fiwalk-dntfs.xml dntfs.xml "1|hé 你好.txt" "1|\$MFT" >dfcmp.out 2>&1 &&
   python3 - dntfs.xml <<'EOF'
import sys, xml.etree.ElementTree as ET
D = "{http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML}"
C = "{https://custos.invalid/dfxml/1}"
fo = {x.findtext(D + "filename"): x for x in ET.parse(sys.argv[1]).getroot().iter(D + "fileobject")}
s = fo["hé 你好.txt:Zone.Identifier"]
assert s.findtext(D + "filesize") == "15", s.findtext(D + "filesize")
assert s.findtext(C + "attribute").startswith("128-"), s.findtext(C + "attribute")
EOF
then pass "fiwalk -X and custos-hash agree on NTFS; the named stream is NAME:STREAM with its TYPE-ID"
else fail "fiwalk -X and custos-hash agree on NTFS; the named stream is NAME:STREAM with its TYPE-ID"; sed 's/^/# /' dfcmp.out; fi
# manifest.md section 5: icat -o SECTOR IMAGE INODE[-TYPE-ID] | sha256sum, as
# written, for every entry of the NTFS image, its named stream included.
if custos-hash -q --image dntfs.img -o dntfs.json >/dev/null &&
   python3 -c '
import json
for e in json.load(open("dntfs.json"))["entries"]:
    if "sha256" in e:
        ref = str(e["inode"]) + ("-" + e["attribute"] if "attribute" in e else "")
        print(e["fs_offset"] // 512, ref, e["sha256"])' > icat.list && [ -s icat.list ] &&
   grep -q '^0 64-128-[0-9]* ' icat.list &&
   bad=0 && while read -r sector ref sum; do
     [ "$(icat -o "$sector" dntfs.img "$ref" | sha256sum | cut -c1-64)" = "$sum" ] || bad=1
   done < icat.list && [ $bad -eq 0 ]; then
  pass "icat -o SECTOR IMAGE INODE-TYPE-ID gives every NTFS entry's SHA-256 ($(wc -l < icat.list) entries)"
else fail "icat -o SECTOR IMAGE INODE-TYPE-ID gives every NTFS entry's SHA-256"; fi
echo "1..$n"
[ $failed -eq 0 ]
