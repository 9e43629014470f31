#!/bin/sh
# custos-hash --audit: every class produced on a real tree and detected, with
# the totals and exit codes docs/exit-codes.md gives (0 clean, 1 any
# difference, 3 only unreadable, 1 wins over 3). Duplicates are handled:
# a file that is gone is missing even when a copy of it is still present
# (hashdeep#64), and duplicates all in place all match (hashdeep#386).
# Also: --known / --notable flag files from hash lists and manifests.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

mkdir -p t/docs t/keep
printf 'unchanged\n' > t/keep/same.txt
printf 'version 1\n' > t/docs/report.txt
printf 'to be deleted\n' > t/docs/gone.txt
printf 'to be renamed\n' > t/docs/old-name.txt
printf 'twin\n' > t/keep/twin-a
printf 'twin\n' > t/keep/twin-b
printf 'copy\n' > t/keep/copy-1
printf 'copy\n' > t/keep/copy-2
printf 'locked\n' > t/docs/locked.txt
ln -s same.txt t/keep/link
: > t/keep/empty

check "manifest of the original tree" 'custos-hash -q -d md5,sha256 -o m.json t >/dev/null'
check "a clean audit exits 0" 'custos-hash --audit m.json t >clean.out'
check "and says so in its totals" \
  'grep -q "^audit: 11 in manifest, 11 examined: 11 matched, 0 changed, 0 missing, 0 new, 0 moved, 0 unreadable$" clean.out'

printf 'version 2\n' > t/docs/report.txt          # changed
rm t/docs/gone.txt                                 # missing
mv t/docs/old-name.txt t/docs/new-name.txt         # moved
printf 'brand new\n' > t/docs/born.txt             # new
rm t/keep/copy-2                                   # missing, though copy-1 has its content
rm t/keep/link; ln -s twin-a t/keep/link           # changed (link target)

custos-hash -q --audit m.json t >a.out 2>a.err; rc=$?
check "differences exit 1" "[ $rc -eq 1 ]"
check "changed is said plainly, with old and new digest" \
  'grep -q "^changed: t/docs/report.txt (content differs: sha256 was [0-9a-f]\{64\}, now [0-9a-f]\{64\}; size was 10, now 10)$" a.out'
check "a changed file is not also reported missing or new" \
  '[ "$(grep -c "t/docs/report.txt" a.out)" -eq 1 ]'
check "missing" 'grep -qx "missing: t/docs/gone.txt" a.out'
check "missing although a copy of it exists elsewhere" 'grep -qx "missing: t/keep/copy-2" a.out'
check "new" 'grep -qx "new: t/docs/born.txt" a.out'
check "moved" 'grep -qx "moved: t/docs/old-name.txt -> t/docs/new-name.txt" a.out'
check "a retargeted symlink is changed" 'grep -q "^changed: t/keep/link" a.out'
check "duplicates in place are matched, not reported" '! grep -q twin a.out'
check "the totals add up" \
  'grep -qx "audit: 11 in manifest, 10 examined: 6 matched, 2 changed, 2 missing, 1 new, 1 moved, 0 unreadable" a.out'

check "--json gives the same totals" \
  'custos-hash -q --json --audit m.json t >a.json; [ $? -eq 1 ] &&
   python3 -c "import json; d=json.load(open(\"a.json\")); t=d[\"totals\"]; assert (t[\"matched\"],t[\"changed\"],t[\"missing\"],t[\"new\"],t[\"moved\"],t[\"unreadable\"])==(6,2,2,1,1,0) and d[\"status\"]==\"mismatch\" and len(d[\"items\"])==12, d"'

# Unreadable during an audit: exit 3 when it is the only finding, 1 when
# there are differences too.
custos-hash -q -o m2.json t >/dev/null
chmod 000 t/docs/locked.txt
if [ "$(id -u)" -eq 0 ]; then
  . "$here/nobody-lib.sh"
  nobody_tools custos-hash || fail "copy the tools for nobody"
  as_user=$as_nobody
  chmod -R a+rX t 2>/dev/null; chmod 000 t/docs/locked.txt
else
  as_user="env"
fi
if [ -n "$as_user" ]; then
  $as_user custos-hash -q --audit m2.json t >u.out 2>u.err; rc=$?
  check "only an unreadable file: exit 3" "[ $rc -eq 3 ]"
  check "it is reported as unreadable with its reason" \
    'grep -q "^unreadable: t/docs/locked.txt (t/docs/locked.txt: cannot open: Permission denied)$" u.out'
  check "and counted" 'grep -q "^audit: 10 in manifest, 10 examined: 9 matched, 0 changed, 0 missing, 0 new, 0 moved, 1 unreadable$" u.out'
  $as_user custos-hash -q --audit m.json t >u2.out 2>&1; rc=$?
  check "unreadable and differences: 1 wins over 3" "[ $rc -eq 1 ]"
else
  n=$((n + 1)); echo "ok $n # SKIP setpriv cannot drop privileges here"
fi
chmod 644 t/docs/locked.txt

# Known and notable sets.
printf 'version 2\n' | sha256sum | cut -c1-64 > notable.sha256
printf 'unchanged\n' | md5sum > known.md5
check "--known and --notable flag files" \
  'custos-hash -q -d md5,sha256 --known known.md5 --notable notable.sha256 --notable m.json -o k.json t >k.out'
check "the notable file is listed" 'grep -qx "notable: t/docs/report.txt" k.out'
check "files in a notable manifest are listed too" 'grep -qx "notable: t/keep/twin-a" k.out'
check "the known file is flagged in the manifest" \
  'python3 -c "import json; e={x[\"path\"]:x for x in json.load(open(\"k.json\"))[\"entries\"]}; assert e[\"t/keep/same.txt\"].get(\"known\") and not e[\"t/docs/born.txt\"].get(\"known\") and e[\"t/docs/report.txt\"].get(\"notable\")"'
check "a set whose algorithm was not computed is refused (exit 2)" \
  'custos-hash -q --known known.md5 -o k2.json t 2>k2.err; [ $? -eq 2 ] && grep -q "known.md5: holds no digest" k2.err'

echo "1..$n"
[ $failed -eq 0 ]
