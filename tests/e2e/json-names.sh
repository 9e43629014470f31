#!/bin/sh
# Names that are not UTF-8 in every JSON custos writes. jansson refuses a
# string that is not UTF-8, and a file name is any bytes but NUL: the report
# must carry such a name the way docs/formats/verify-report.md and
# manifest.md say (a display form, and NAME_base64 with the exact bytes),
# never fail with "out of memory" nor drop the item. Checked here with
# python3's json and base64, against the bytes on disk.
set -u
root=${CUSTOS_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; sed 's/^/# /' err.txt 2>/dev/null | head -5; fi; }
# jq-like: prints EXPR evaluated on the document r (b64 = base64 decoder to bytes).
json() {
    "$PY" -c 'import base64, json, sys
r = json.load(open(sys.argv[1])); b64 = base64.b64decode
print(eval(sys.argv[2]))' "$1" "$2"
}
cafe=$(printf 'caf\351')

# The reference as it is in the tree: tests/data/manifest-v1.json, whose
# first entry is the Latin-1 name caf\xe9.
cp -r "$root/tests/data/manifest-v1" "$root/tests/data/manifest-v1.json" .
custos-verify -q -r manifest-v1.json manifest-v1 --json -o report.json >stdout.json 2>err.txt
check "verify --json -o with a name that is not UTF-8 (exit 0)" '[ $? -eq 0 ]'
check "the report file and standard output are the same document" \
    '[ "$(json report.json r)" = "$(json stdout.json r)" ]'
check "the item has name_base64 = the name's bytes and the display form as name" \
    '[ "$(json report.json "[(i[\"name\"], b64(i[\"name_base64\"]), i[\"class\"]) for i in r[\"items\"] if \"name_base64\" in i]")" = "[('"'"'caf\\\\xe9'"'"', b'"'"'caf\\xe9'"'"', '"'"'ok'"'"')]" ]'
check "every other item is listed by its UTF-8 name" \
    '[ "$(json report.json "sorted(i[\"name\"] for i in r[\"items\"])")" = "['"'"'caf\\\\xe9'"'"', '"'"'docs/abc'"'"', '"'"'empty'"'"', '"'"'hello.txt'"'"', '"'"'link'"'"']" ]'

# Changed: --recheck must take the exact bytes from name_base64.
printf 'changed text\n' > "manifest-v1/$cafe"
custos-verify -q -r manifest-v1.json manifest-v1 -o changed.json >out.txt 2>err.txt
check "a changed file with that name: exit 1" '[ $? -eq 1 ]'
check "its item is changed, with name_base64" \
    '[ "$(json changed.json "[b64(i[\"name_base64\"]) for i in r[\"items\"] if i[\"class\"] == \"changed\"]")" = "[b'"'"'caf\\xe9'"'"']" ]'
# Seed 1 samples docs/abc alone: caf\xe9 is checked only if the recheck found it.
custos-verify -q -r manifest-v1.json manifest-v1 --sample 1 --seed 1 --recheck changed.json -o recheck.json >out.txt 2>err.txt
check "--recheck of that report re-reads the file by its bytes (rechecked 1, changed)" \
    '[ "$(json recheck.json "r[\"rechecked\"], [b64(i[\"name_base64\"]) for i in r[\"items\"] if i[\"class\"] == \"changed\"]")" = "(1, [b'"'"'caf\\xe9'"'"'])" ]'

# Moved to another name that is not UTF-8, in a target whose path is not UTF-8.
cp "$root/tests/data/manifest-v1/$cafe" "manifest-v1/$cafe"
mkdir "t$(printf '\351')"
cp -r manifest-v1 "t$(printf '\351')/"
mv "t$(printf '\351')/manifest-v1/$cafe" "t$(printf '\351')/manifest-v1/$(printf 'caf\350')"
custos-verify -q -r manifest-v1.json "t$(printf '\351')/manifest-v1" --json >moved.json 2>err.txt
check "a moved file and a target path that are not UTF-8: exit 1, a report" \
    '[ $? -eq 1 ] && [ -s moved.json ]'
check "moved_to_base64 and target.path_base64 hold the bytes" \
    '[ "$(json moved.json "[b64(i[\"moved_to_base64\"]) for i in r[\"items\"] if i[\"class\"] == \"moved\"], b64(r[\"target\"][\"path_base64\"])")" = "([b'"'"'caf\\xe8'"'"'], b'"'"'t\\xe9/manifest-v1'"'"')" ]'

# custos-hash: an operand that is not UTF-8 is in source.names_base64, and
# the manifest reads back (an audit of the same tree is clean).
custos-hash -q -o ops.json "manifest-v1/$cafe" manifest-v1/hello.txt >out.txt 2>err.txt
check "custos-hash with an operand that is not UTF-8 (exit 0)" '[ $? -eq 0 ]'
check "source.names holds display forms, names_base64 the bytes" \
    '[ "$(json ops.json "r[\"source\"][\"names\"], [b64(x) for x in r[\"source\"][\"names_base64\"]]")" = "(['"'"'manifest-v1/caf\\\\xe9'"'"', '"'"'manifest-v1/hello.txt'"'"'], [b'"'"'manifest-v1/caf\\xe9'"'"', b'"'"'manifest-v1/hello.txt'"'"'])" ]'
custos-hash -q --audit ops.json "manifest-v1/$cafe" manifest-v1/hello.txt >out.txt 2>err.txt
check "custos-hash --audit reads that manifest back: clean (exit 0)" '[ $? -eq 0 ]'
custos-hash -q --json -o j.json manifest-v1 >hash.json 2>err.txt
check "custos-hash --json over that tree (exit 0, a document)" \
    '[ $? -eq 0 ] && [ "$(json hash.json "r[\"files\"]")" = 4 ]'

# custos-dispose wipe of a file whose name is not UTF-8: the signed log
# named no target at all (jansson refused the path and nothing said so).
printf 'wipe-test passphrase\n' >pass
custos-key generate -q --name "Vera Vendor" --role vendor -o vendor.key --passphrase-file pass >/dev/null 2>&1
head -c 8192 /dev/urandom > "w$(printf '\351')"
custos-dispose wipe -q --json --confirm "w$(printf '\351')" --key vendor.key --passphrase-file pass \
    --log "w$(printf '\351').log.json" "w$(printf '\351')" >wipe.json 2>err.txt
check "custos-dispose wipe of a file named w\\xe9 (exit 0)" '[ $? -eq 0 ]'
check "the wipe log's target has path (display form) and path_base64 (the bytes)" \
    '[ "$(json "w$(printf '"'"'\351'"'"').log.json" "r[\"target\"][\"path\"], b64(r[\"target\"][\"path_base64\"])")" = "('"'"'w\\\\xe9'"'"', b'"'"'w\\xe9'"'"')" ]'
check "the --json summary names the log" \
    '[ "$(json wipe.json "r[\"log\"]")" = '"'"'w\xe9.log.json'"'"' ]'

echo "1..$n"
[ "$failed" -eq 0 ]
