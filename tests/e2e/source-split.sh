#!/bin/sh
# Split raw sets made by split(1) in the common namings, read as one medium
# by custos-acquire, custos-hash --image and custos-verify: NAME.000 (split
# -d -a3), NAME.00 (split -d), NAME.aa (split -a2), NAME.raw.001 and
# NAME.dd.001 (split --numeric-suffixes=1), and GNU split's widened names
# past yz (zaaa) and 89 (9000). Each medium must equal `cat SEGMENTS |
# sha256sum`, a file spanning segments must equal its source file, a missing
# middle segment is refused (exit 5, naming it), and a set named by a file
# that is not its first is refused.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; sed 's/^/# /' err.txt 2>/dev/null | head -5; fi; }
sum() { sha256sum | cut -d' ' -f1; }
# json FILE EXPR: prints EXPR evaluated on the document r.
json() { "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# An 8 MiB FAT medium with a 3 MB file, so its data spans 1 MiB segments.
head -c 3000000 /dev/urandom > big.bin
mkfs.fat -C fat.img 8192 >/dev/null
mcopy -i fat.img big.bin ::/
want=$(sum < fat.img)
big=$(sum < big.bin)

# name DIR FIRST SPLIT-ARGS...: the medium split into DIR, named from FIRST.
i=0
for spec in 'n000 ev.000 -d -a3' 'n00 ev.00 -d' 'alpha ev.aa -a2' \
    'raw ev.raw.001 -d -a3 --numeric-suffixes=1' 'dd ev.dd.001 -d -a3 --numeric-suffixes=1'; do
    set -- $spec
    dir=$1 first=$2; shift 2
    prefix=${first%.*}.
    mkdir "$dir" && split -b 1M "$@" fat.img "$dir/$prefix"
    i=$((i + 1))
    segs=$(ls "$dir" | wc -l)
    cat=$(ls "$dir" | sed "s|^|$dir/|" | xargs cat | sum)
    check "$first: split made $segs segments of the medium" '[ "$segs" -eq 8 ] && [ "$cat" = "$want" ]'

    custos-acquire -q --no-authorisation "$dir/$first" -o "acq$i.raw" >/dev/null 2>err.txt
    check "$first: custos-acquire reads the whole set (exit 0)" '[ $? -eq 0 ]'
    check "$first: the image equals cat SEGMENTS | sha256sum" '[ "$(sum < acq$i.raw)" = "$cat" ]'
    check "$first: the record has its SHA-256, kind split-raw and 8 segments" \
        '[ "$(json acq$i.raw.acquire.json "r[\"digests\"][\"sha256\"]")" = "$cat" ] &&
         [ "$(json acq$i.raw.acquire.json "r[\"source\"][\"kind\"], r[\"source\"][\"segments\"]")" = "('"'"'split-raw'"'"', 8)" ]'

    custos-hash -q --image "$dir/$first" -o "hash$i.json" >/dev/null 2>err.txt
    check "$first: custos-hash --image: the file across segments equals its source" \
        '[ "$(json hash$i.json "[e[\"sha256\"] for e in r[\"entries\"] if e[\"path\"] == \"BIG.BIN\" or e[\"path\"] == \"big.bin\"]")" = "['"'"'$big'"'"']" ]'

    # A record naming this set as its output: custos-verify reads it back.
    mkdir "v$i"
    custos-acquire -q --no-authorisation -s 1M fat.img -o "v$i/ev" >/dev/null 2>err.txt
    j=0
    for f in $(ls "$dir"); do
        j=$((j + 1))
        mv "v$i/ev.$(printf %03d $j)" "v$i/$f"
    done
    "$PY" - "v$i/ev.acquire.json" $(ls "$dir") <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for f, name in zip(r["output"]["files"], sys.argv[2:]):
    f["name"] = name
    f["path"] = f["path"].rsplit("/", 1)[0] + "/" + name
json.dump(r, open(sys.argv[1], "w"), indent=2)
EOF
    custos-verify -q -r "v$i/ev.acquire.json" >out.txt 2>err.txt
    check "$first: custos-verify finds the medium whole (exit 0)" '[ $? -eq 0 ]'

    # The second segment lost: refused by each tool, naming it.
    second=$(ls "$dir" | sed -n 2p)
    mv "$dir/$second" lost
    custos-acquire -q --no-authorisation "$dir/$first" -o "cut$i.raw" >/dev/null 2>err.txt
    check "$first: custos-acquire refuses a set without $second (exit 5, named)" \
        '[ $? -eq 5 ] && grep -q "$dir/$second: segment 2 of the split set is missing" err.txt && [ ! -e cut$i.raw ]'
    custos-hash -q --image "$dir/$first" -o "cut$i.json" >/dev/null 2>err.txt
    check "$first: custos-hash --image refuses it (exit 5, named)" \
        '[ $? -eq 5 ] && grep -q "$second" err.txt'
    mv "v$i/$second" lost
    custos-verify -q -r "v$i/ev.acquire.json" >out.txt 2>err.txt
    check "$first: custos-verify does not pass it (exit 5)" '[ $? -eq 5 ]'
    mv lost "$dir/$second"
done

custos-acquire -q --no-authorisation n000/ev.001 -o notfirst.raw >/dev/null 2>err.txt
check "ev.001 of a set that starts at ev.000 is refused (exit 2), naming ev.000" \
    '[ $? -eq 2 ] && grep -q "ev.000 is" err.txt && [ ! -e notfirst.raw ]'

# GNU split without -a widens past yz and 89.
head -c 700 /dev/urandom > small.bin
mkdir wa wd
(cd wa && split -b 1 ../small.bin p.)
(cd wd && split -d -b 7 ../small.bin p.)
for spec in 'wa p.aa p.zaaa 700' 'wd p.00 p.9000 100'; do
    set -- $spec
    d=$1 wide=$3 count=$4
    custos-acquire -q --no-authorisation "$d/$2" -o "$d.raw" >/dev/null 2>err.txt
    check "$d: GNU split's widened names ($wide) are read in order (exit 0)" \
        '[ $? -eq 0 ] && [ -e "$d/$wide" ] && [ "$(ls $d | wc -l)" -eq $count ] && [ "$(sum < $d.raw)" = "$(sum < small.bin)" ]'
done
rm wa/p.zaab
custos-acquire -q --no-authorisation wa/p.aa -o wa2.raw >/dev/null 2>err.txt
check "a widened segment lost (p.zaab) is refused (exit 5, named)" \
    '[ $? -eq 5 ] && grep -q "wa/p.zaab: segment 652" err.txt'

echo "1..$n"
[ "$failed" -eq 0 ]
