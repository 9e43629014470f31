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
echo "1..$n"
[ $failed -eq 0 ]
