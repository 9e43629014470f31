#!/bin/sh
# acquire-record-doc: runs the check commands of
# docs/formats/acquisition-record.md (section 5, every ```sh block after a
# "<!-- check: SET ... -->" marker) on the test vector
# tests/data/acquisition-record/ and on fresh acquisitions by the
# custos-acquire under test, where they must succeed, and on tampered copies,
# where they must fail. Also checks that the document's example is the
# vector's record byte for byte and that every member of a record appears in
# the document's field table. Prints TAP; exits non-zero on any failure.
set -u
src=${CUSTOS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
doc=$src/docs/formats/acquisition-record.md
vec=$src/tests/data/acquisition-record
for tool in custos-acquire ewfverify ewfinfo ewfexport python3 split dd cmp; do
  command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool not found"; exit 1; }
done
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# Debian's python3 (scripts/install-deps.sh) before any wrapper on PATH:
# the blocks start it about a hundred times.
if [ -x /usr/bin/python3 ]; then
  mkdir "$work/bin" && ln -s /usr/bin/python3 "$work/bin/python3" && PATH=$work/bin:$PATH
fi

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# Extract the marked blocks: block-N.sh and block-N.sets (the set names).
python3 - "$doc" "$work" <<'EOF' || { echo "Bail out! cannot read the check blocks"; exit 1; }
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"<!-- check: ([a-z0-9 ]+) -->\n```sh\n(.*?)```\n", text, re.S)
assert len(blocks) >= 5, "expected at least 5 check blocks, found %d" % len(blocks)
for i, (sets, body) in enumerate(blocks):
    assert re.search(r"^rec=", body, re.M), "block %d sets no rec=" % i
    open("%s/block-%d.sh" % (sys.argv[2], i), "w").write(body)
    open("%s/block-%d.sets" % (sys.argv[2], i), "w").write(sets.strip() + "\n")
EOF

# run_block N DIR: runs block N in DIR with rec, img and e01 set to DIR's files.
run_block() {
  b=$work/block-$1.sh dir=$2
  rec=$(cd "$dir" && ls *.acquire.json)
  first=$(python3 -c 'import json, os, sys
files = json.load(open(sys.argv[1]))["output"]["files"]
print(os.path.basename(files[0]["path"]) if files else "none")' "$dir/$rec")
  sed -e "s|^rec=.*|rec=$rec|" -e "s|^img=.*|img=$first|" -e "s|^e01=.*|e01=$first|" "$b" \
    >"$work/run.sh"
  (cd "$dir" && sh -e "$work/run.sh") >"$work/out" 2>&1
}

# copy SET NAME: a writable copy of a vector set (or fresh set) in $work/NAME.
copy() {
  rm -rf "$work/$2"
  cp -R "$1" "$work/$2"
  chmod -R u+w "$work/$2"
}

blocks=$(ls "$work"/block-*.sh | wc -l)
i=0
while [ "$i" -lt "$blocks" ]; do
  for set in $(cat "$work/block-$i.sets"); do
    copy "$vec/$set" "v-$set"
    if run_block "$i" "$work/v-$set"; then ok "block $i on vector $set"
    else not_ok "block $i on vector $set"; sed 's/^/# /' "$work/out"; fi
  done
  i=$((i + 1))
done

# Tampering: SET | file to damage | how | the block that must fail.
flip() { # FILE OFFSET: changes one byte
  b=$(dd if="$1" bs=1 skip="$2" count=1 status=none | od -An -tu1 | tr -d ' ')
  printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
    dd of="$1" bs=1 seek="$2" count=1 conv=notrunc status=none
}
edit() { # FILE PYTHON-EXPRESSION-ON-TEXT
  python3 -c 'import sys
t = open(sys.argv[1]).read()
n = eval(sys.argv[2])
assert n != t, "edit changed nothing"
open(sys.argv[1], "w").write(n)' "$1" "$2"
}
block_for() { # the first block whose marker lists SET and whose text has WORD
  j=0
  while [ "$j" -lt "$blocks" ]; do
    if grep -qw "$1" "$work/block-$j.sets" && grep -q -- "$2" "$work/block-$j.sh"; then
      echo "$j"; return
    fi
    j=$((j + 1))
  done
  echo none
}
tamper() { # NAME SET BLOCK-WORD COMMAND...
  name=$1 set=$2 word=$3; shift 3
  copy "$vec/$set" "t-$set"
  (cd "$work/t-$set" && "$@") || { not_ok "tamper $name: cannot tamper"; return; }
  j=$(block_for "$set" "$word")
  if [ "$j" = none ]; then not_ok "tamper $name: no block for $set with '$word'"; return; fi
  if run_block "$j" "$work/t-$set"; then
    not_ok "tamper $name: block $j did not notice"; sed 's/^/# /' "$work/out"
  else ok "tamper $name: block $j fails"; tail -n 1 "$work/out" | sed 's/^/#   /'; fi
}
tamper "raw image byte, file sums" raw 'sha256sum -c' flip evidence.raw 5000
tamper "raw image byte, medium digests" raw '{alg}sum' flip evidence.raw 5000
tamper "raw image byte, dd windows" raw 'bytes $off+$len: ok' \
  flip evidence.raw 5000
tamper "split segment byte, medium digests" split '{alg}sum' flip evidence.raw.002 10
tamper "split segment byte, split windows" split 'filter' flip evidence.raw.002 10
tamper "split segment missing" split 'sha256sum -c' rm evidence.raw.003
tamper "E01 byte, file sums" e01 'sha256sum -c' flip evidence.E01 2000
tamper "E01 record md5" e01 'ewfverify' edit evidence.E01.acquire.json \
  't.replace("\"md5\": \"54c5", "\"md5\": \"54c6", 1)'
tamper "E01 record authorisation" e01 'ewfverify' edit evidence.E01.acquire.json \
  't.replace("\"TV-AUTH-0001\"", "\"TV-AUTH-0002\"")'
tamper "record version" raw 'sha256sum -c' edit evidence.raw.acquire.json \
  't.replace("\"version\": 1,", "\"version\": 2,")'
tamper "record sha256" raw '{alg}sum' edit evidence.raw.acquire.json \
  't.replace("\"sha256\": \"bb6a", "\"sha256\": \"bb6b", 1)'
tamper "record lists no files" split 'sha256sum -c' edit evidence.raw.acquire.json \
  '__import__("re").sub(r"\"files\": \[.*?\]", "\"files\": []", t, flags=__import__("re").S)'
tamper "record without authorisation" raw 'sha256sum -c' edit evidence.raw.acquire.json \
  't.replace("\"reference\": \"TV-AUTH-0001\"", "\"reference\": null")'
tamper "zero-filled range not zeros" errors 'cmp -s' flip evidence.raw 2600
tamper "status hides read errors" errors 'sha256sum -c' edit evidence.raw.acquire.json \
  't.replace("\"complete-with-read-errors\"", "\"complete\"")'
tamper "error count" errors 'sha256sum -c' edit evidence.raw.acquire.json \
  't.replace("\"unreadable_sectors\": 2", "\"unreadable_sectors\": 1")'

# Fresh acquisitions by the custos-acquire under test must pass the same blocks.
mkdir "$work/fresh" "$work/fresh/raw" "$work/fresh/split" "$work/fresh/e01"
cp "$vec/medium.bin" "$work/fresh/medium.bin"
acq() {
  custos-acquire -q -a "TV-AUTH-0001" --case-number "TV-CASE-1" --evidence-number "TV-EV-1" \
    --examiner "Test Examiner" --description "acquisition-record test vector" \
    --notes "16 sectors of text" -w 4K "$@" >/dev/null
}
(cd "$work/fresh/raw" && acq ../medium.bin -o evidence.raw) &&
  (cd "$work/fresh/split" && acq -s 3K ../medium.bin -o evidence.raw) &&
  (cd "$work/fresh/e01" && acq ../medium.bin -o evidence.E01) &&
  ok "fresh acquisitions" || not_ok "fresh acquisitions"
i=0
while [ "$i" -lt "$blocks" ]; do
  for set in $(cat "$work/block-$i.sets"); do
    [ -d "$work/fresh/$set" ] || continue
    if run_block "$i" "$work/fresh/$set"; then ok "block $i on a fresh $set acquisition"
    else not_ok "block $i on a fresh $set acquisition"; sed 's/^/# /' "$work/out"; fi
  done
  i=$((i + 1))
done
for set in raw split e01; do
  cmp -s "$vec/medium.bin" "$work/fresh/medium.bin" &&
    python3 -c 'import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert a["digests"] == b["digests"] and a["piecewise"] == b["piecewise"], "digests differ"
assert [f["size_bytes"] for f in a["output"]["files"]] == [f["size_bytes"] for f in b["output"]["files"]] or a["output"]["format"] == "e01"' \
      "$(ls "$vec/$set"/*.acquire.json)" "$(ls "$work/fresh/$set"/*.acquire.json)" &&
    ok "fresh $set record has the vector's digests and windows" ||
    not_ok "fresh $set record has the vector's digests and windows"
done

# E01 header values (issue 18 item 7): Chinese and accented case metadata is
# exact in header2 (UTF-16, what ewfinfo and EnCase 6+ show) and becomes
# 0x1A per character in the ASCII header section, as the document says; the
# set identifier is a random version-4 GUID, new for every set; errors are
# recorded per 64-sector chunk.
mkdir "$work/zh" && cd "$work/zh" || exit 1
for k in 1 2; do
  custos-acquire -q -a "令狀 2026/117" --case-number "案件-001" --evidence-number "證物 $k" \
    --examiner "王小明 José" --description "筆電 café" "$work/fresh/medium.bin" -o zh$k.E01 >/dev/null ||
    not_ok "acquire an E01 with Chinese case metadata"
done
ewfinfo zh1.E01 >info1.txt 2>&1; ewfinfo zh2.E01 >info2.txt 2>&1
if grep -q "Case number:.*案件-001$" info1.txt && grep -q "Examiner name:.*王小明 José$" info1.txt &&
   grep -q "Description:.*筆電 café$" info1.txt && grep -q "Notes:.*Authorisation: 令狀 2026/117$" info1.txt; then
  ok "ewfinfo shows the Chinese and accented values exactly"
else not_ok "ewfinfo shows the Chinese and accented values exactly"; sed 's/^/# /' info1.txt; fi
g1=$(sed -n 's/^[[:space:]]*Set identifier:[[:space:]]*//p' info1.txt)
g2=$(sed -n 's/^[[:space:]]*Set identifier:[[:space:]]*//p' info2.txt)
if printf '%s\n' "$g1" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' &&
   [ "$g1" != "$g2" ]; then
  ok "the set identifier is a random version-4 GUID ($g1, then $g2)"
else not_ok "the set identifier is a random version-4 GUID" "($g1, $g2)"; fi
grep -Eq "Error granularity:[[:space:]]+64$" info1.txt && ok "error granularity 64 sectors" ||
  not_ok "error granularity 64 sectors" "$(grep granularity info1.txt)"
if python3 - zh1.E01 <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
off, found = 13, {}
while off + 76 <= len(d):
    typ = d[off:off + 16].rstrip(b"\0").decode()
    nxt, size = struct.unpack("<QQ", d[off + 16:off + 32])
    if typ in ("header", "header2"):
        found.setdefault(typ, zlib.decompress(d[off + 76:off + size]))
    if typ in ("done", "next") or nxt <= off:
        break
    off = nxt
h2 = found["header2"].decode("utf-16-le").split("\n")
h1 = found["header"].decode("ascii").split("\r\n")
assert "筆電 café" in h2[3].split("\t") and "案件-001" in h2[3].split("\t"), h2[3]
row = h1[3].split("\t")
assert "\x1a\x1a-001" in row and "\x1a\x1a caf\x1a" in row and "\x1a\x1a\x1a Jos\x1a" in row, row
EOF
then ok "header2 holds the exact text, the ASCII header 0x1A for each non-ASCII character"
else not_ok "header2 holds the exact text, the ASCII header 0x1A for each non-ASCII character"; fi
# An E01 read back as a source: its record has stored_digests (checked below).
custos-acquire -q -a "令狀 2026/117" zh1.E01 -o conv.raw >/dev/null &&
  ok "an E01 source converts to raw" || not_ok "an E01 source converts to raw"
cd "$work" || exit 1

# The document's example is the vector's record, byte for byte.
if python3 - "$doc" "$vec" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"<!-- example: (\S+) -->\n```json\n(.*?)```\n", text, re.S)
assert m, "no example block"
assert open(sys.argv[2] + "/" + m.group(1)).read() == m.group(2), "example differs from the vector"
EOF
then ok "the example is the vector's record"; else not_ok "the example is the vector's record"; fi

# Every member of a record is in the field table.
if python3 - "$doc" "$work"/fresh/*/*.acquire.json "$vec"/errors/*.acquire.json \
    "$work"/zh/conv.raw.acquire.json <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
table = set(re.findall(r"^\| `([^`]+)` \|", text, re.M))
missing = set()
def walk(v, path):
    if path and not path.endswith("[]") and path not in table:
        missing.add(path)
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + "." + k if path else k)
    elif isinstance(v, list):
        for x in v:
            if not isinstance(x, dict):
                missing.add(path + "[] (not an object)")
            walk(x, path + "[]")
for f in sys.argv[2:]:
    walk(json.load(open(f)), "")
assert not missing, "not in the field table: " + ", ".join(sorted(missing))
EOF
then ok "every record member is documented"; else not_ok "every record member is documented"; fi

echo "1..$n"
[ "$failed" -eq 0 ]
