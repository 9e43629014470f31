#!/bin/sh
# custos-verify with a sealed package ARCHIVE as its reference: custos-seal
# writes the sample evidence into a tar and a zip package; custos-verify -r
# PACKAGE reads the bag's tag files from the archive as a stream (nothing is
# extracted), checks the seal's signature with --signer, and by default
# verifies the package's own payload. Damage is table-driven: a flipped
# payload byte (changed, exit 1), a payload file left out (missing, exit 1),
# a changed manifest or tag manifest (exit 4 with --signer), a truncated
# archive (exit 5), a compressed or foreign file (exit 5). A copy of the
# payload in a directory is a target; --sample with --seed repeats its
# selection on the directory bag and the archive. Independent checks:
# sha256sum -c of the payload against the package's manifest-sha256.txt, tar
# -tf, unzip -l, and python3's tarfile/zipfile to rebuild damaged archives.
set -u
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# Key derivation is deliberately slow; keep AddressSanitizer's quarantine small.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
# field JSON EXPR: prints a value of a report (EXPR in python, r is the report)
field() { "$PY" -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }
# class JSON NAME: the class of item NAME
class() { field "$1" "[i['class'] for i in r['items'] if i['name'] == '$2'][0]"; }

echo "passphrase of alice" > alice.pass
echo "passphrase of carol" > carol.pass
custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file alice.pass
custos-key generate -q --name Carol --role witness -o carol.key --passphrase-file carol.pass
mkdir -p ev/logs
seq 1 20000 > ev/logs/auth.log
head -c 65536 /dev/urandom > ev/disk.bin
printf 'seized at 10:02\n' > ev/notes.txt
i=0
while [ $i -lt 12 ]; do printf 'entry %d\n' $i > ev/logs/f$i.txt; i=$((i + 1)); done
seal() {
    custos-seal create -q --yes ev -o "$1" --format "$2" --key alice.key --passphrase-file alice.pass \
        --case C-1 --evidence EV-1 --seal S-1 --authorisation "order 1" >/dev/null
}
seal E-1.tar tar && seal E-1.zip zip && seal bag dir
check "sealed into a tar, a zip and a directory" '[ -f E-1.tar ] && [ -f E-1.zip ] && [ -d bag/data ]'
check "  tar -tf and unzip -l list the bag under E-1/" \
  'tar -tf E-1.tar | grep -qx "E-1/data/ev/disk.bin" && unzip -l E-1.zip | grep -q " E-1/bagit.txt$"'
mkdir x && tar -xf E-1.tar -C x
check "  sha256sum -c reads the extracted payload against its manifest" \
  '(cd x/E-1 && sha256sum -c --quiet --strict manifest-sha256.txt)'
items=$(wc -l < x/E-1/manifest-sha256.txt)
# tm_sha PACKAGE: SHA-256 of its tag manifest, read with tar or unzip
tm_sha() {
    case $1 in
    *.zip) unzip -p "$1" E-1/tagmanifest-sha256.txt | sha256sum | cut -c1-64 ;;
    *) tar -xOf "$1" E-1/tagmanifest-sha256.txt | sha256sum | cut -c1-64 ;;
    esac
}

# Clean packages: the default target is the package itself.
for p in E-1.tar E-1.zip; do
    custos-verify -q -r "$p" --signer alice.key.pub --json > ok.json; rc=$?
    check "$p, signed by alice: exit 0" '[ $rc -eq 0 ]'
    check "  all $items items ok, signature valid, kind bagit, target the archive itself" \
      '[ "$(field ok.json "r[\"totals\"][\"ok\"], r[\"reference\"][\"signature\"][\"status\"], r[\"reference\"][\"kind\"], r[\"target\"][\"kind\"], r[\"target\"][\"path\"]")" = "$items valid bagit archive $p" ]'
    check "  names as in the bag directory (data/...), VERIFIED" \
      '[ "$(class ok.json data/ev/disk.bin)" = ok ] && grep -q "VERIFIED: all $items items" ok.json'
    check "  the reference sha256 is the package's tag manifest's" \
      '[ "$(field ok.json "r[\"reference\"][\"sha256\"]")" = "$(tm_sha "$p")" ]'
    custos-verify -q -r "$p" --signer carol.key.pub >/dev/null 2>err.txt; rc=$?
    check "  a key that did not seal it: exit 4, one line naming the package" \
      '[ $rc -eq 4 ] && [ $(wc -l < err.txt) -eq 1 ] && grep -q "custos-verify: $p: " err.txt'
done
custos-verify -q -r E-1.tar --json > ns.json; rc=$?
check "without --signer: exit 0, signature not checked" \
  '[ $rc -eq 0 ] && [ "$(field ns.json "r[\"reference\"][\"signature\"][\"status\"]")" = "not checked" ]'
custos-verify -q -r bag --json > bag.json
check "  the same items as the bag sealed as a directory" \
  '[ "$(field bag.json "sorted(i[\"name\"] for i in r[\"items\"])")" = "$(field ns.json "sorted(i[\"name\"] for i in r[\"items\"])")" ]'

# Damaged packages, rebuilt with python3's tarfile and zipfile: NAME | FILE | CHANGE | EXIT.
# flip: a byte of data/ev/disk.bin; drop: leave out data/ev/notes.txt;
# manifest/tagmanifest: a changed line in manifest-sha256.txt / tagmanifest-sha256.txt.
rebuild() {
    "$PY" - "$@" <<'EOF'
import io, sys, tarfile, zipfile
src, dst, change = sys.argv[1:4]
def edit(name, data):
    if change == "drop" and name.endswith("data/ev/notes.txt"):
        return None
    if change == "flip" and name.endswith("data/ev/disk.bin"):
        return data[:1000] + bytes([data[1000] ^ 1]) + data[1001:]
    if change == "manifest" and name.endswith("/manifest-sha256.txt"):
        return data.replace(b"data/ev/notes.txt", b"data/ev/notez.txt")
    if change == "tagmanifest" and name.endswith("/tagmanifest-sha256.txt"):
        return (b"1" if data[:1] == b"0" else b"0") + data[1:]
    return data
if src.endswith(".tar"):
    with tarfile.open(src) as i, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as o:
        for m in i.getmembers():
            d = edit(m.name, i.extractfile(m).read() if m.isfile() else b"")
            if d is not None:
                m.size = len(d)
                o.addfile(m, io.BytesIO(d))
else:
    with zipfile.ZipFile(src) as i, zipfile.ZipFile(dst, "w") as o:
        for m in i.infolist():
            d = edit(m.filename, i.read(m))
            if d is not None:
                o.writestr(m, d)
EOF
}
while IFS='|' read -r name p change want item cls; do
    [ -n "$name" ] || continue
    ext=${p##*.}; mkdir -p "$change-$ext"; d="$change-$ext/E-1.$ext"
    rebuild "$p" "$d" "$change"
    custos-verify -q -r "$d" --signer alice.key.pub --json > d.json 2>err.txt; rc=$?
    if [ -n "$item" ]; then
        check "$name: exit $want, $item $cls" '[ $rc -eq "$want" ] && [ "$(class d.json "$item")" = "$cls" ]'
    else
        check "$name: exit $want, one line on stderr naming the package" \
          '[ $rc -eq "$want" ] && [ $(wc -l < err.txt) -eq 1 ] && grep -q "custos-verify: $d: " err.txt'
    fi
done <<'EOF'
a payload byte flipped in the tar|E-1.tar|flip|1|data/ev/disk.bin|changed
a payload byte flipped in the zip|E-1.zip|flip|1|data/ev/disk.bin|changed
a payload file left out of the tar|E-1.tar|drop|1|data/ev/notes.txt|missing
a payload file left out of the zip|E-1.zip|drop|1|data/ev/notes.txt|missing
a changed manifest in the tar|E-1.tar|manifest|4||
a changed tag manifest in the zip|E-1.zip|tagmanifest|4||
EOF
check "  the flipped tar really differs where sha256sum says (independent check)" \
  '(mkdir fx && tar -xf flip-tar/E-1.tar -C fx && cd fx/E-1 && ! sha256sum -c --quiet manifest-sha256.txt >/dev/null 2>&1)'
custos-verify -q -r manifest-tar/E-1.tar --json > d.json 2>/dev/null; rc=$?
check "  a changed manifest without --signer is what the reference says: exit 1" '[ $rc -eq 1 ]'

# Broken files: NAME | how | EXIT.
head -c $(( $(stat -c %s E-1.tar) / 2 )) E-1.tar > cut.tar
head -c 600 E-1.zip > cut.zip
gzip -c E-1.tar > E-1.tar.gz
printf 'just some text\n' > text.ref
(cd x && tar -cf ../nobag.tar E-1/data)
for t in "a truncated tar|cut.tar|5" "a truncated zip|cut.zip|5" "a gzip-compressed package|E-1.tar.gz|5" \
         "a file that is no reference|text.ref|5" "a tar without a bag|nobag.tar|5"; do
    name=${t%%|*}; rest=${t#*|}; f=${rest%%|*}; want=${rest#*|}
    custos-verify -q -r "$f" >out.txt 2>err.txt; rc=$?
    check "$name as the reference: exit $want, one line naming it, nothing checked" \
      '[ $rc -eq "$want" ] && [ $(wc -l < err.txt) -eq 1 ] && grep -q "custos-verify: $f: " err.txt && [ ! -s out.txt ]'
done
check "  the compressed one is told to be a target" 'custos-verify -q -r E-1.tar.gz 2>&1 | grep -q "target"'
custos-verify -q -r E-1.tar E-1.tar.gz >/dev/null; rc=$?
check "  and as the target of the package, it verifies: exit 0" '[ $rc -eq 0 ]'
"$PY" - <<'EOF'
import shutil, tarfile
shutil.copy("E-1.tar", "link.tar")
with tarfile.open("link.tar", "a") as t:
    i = tarfile.TarInfo("E-1/data/ev/passwd")
    i.type, i.linkname = tarfile.SYMTYPE, "/etc/passwd"
    t.addfile(i)
EOF
custos-verify -q -r link.tar >out.txt 2>err.txt; rc=$?
check "a package holding a symbolic link (hostile): exit 6, one line naming it" \
  '[ $rc -eq 6 ] && [ $(wc -l < err.txt) -eq 1 ] && grep -q "custos-verify: link.tar: hostile entry" err.txt'

# Targets: a copy of the payload alone, the extracted package, another archive.
cp -a x/E-1/data payload
custos-verify -q -r E-1.zip --signer alice.key.pub --json payload > t.json; rc=$?
check "a copy of the payload in a directory: exit 0, all ok" \
  '[ $rc -eq 0 ] && [ "$(field t.json "r[\"totals\"][\"ok\"], r[\"target\"][\"kind\"]")" = "$items directory" ]'
custos-verify -q -r E-1.tar x >/dev/null; rc=$?
check "the extracted package (x/E-1/...): exit 0" '[ $rc -eq 0 ]'
(cd payload && tar -cf ../payload.tar .)
custos-verify -q -r E-1.tar payload.tar >/dev/null; rc=$?
check "a tar of the payload alone: exit 0" '[ $rc -eq 0 ]'
rm payload/ev/logs/f3.txt
custos-verify -q -r E-1.tar --json payload > t.json; rc=$?
check "  with one file removed: exit 1, it is missing" \
  '[ $rc -eq 1 ] && [ "$(class t.json data/ev/logs/f3.txt)" = missing ]'
custos-verify -q -r E-1.tar --restore --json > r.json; rc=$?
check "--restore of the package itself: passed" \
  '[ $rc -eq 0 ] && [ "$(field r.json "r[\"restore\"][\"result\"]")" = passed ]'

# Sampling: the same seed picks the same items, on the archive and the directory bag.
sel() { field "$1" "' '.join(sorted(i['name'] for i in r['items'] if i['content_checked']))"; }
custos-verify -q -r E-1.tar --sample 4 --seed 7 --json > s1.json; rc1=$?
custos-verify -q -r E-1.zip --sample 4 --seed 7 --json > s2.json; rc2=$?
custos-verify -q -r bag --sample 4 --seed 7 --json > s3.json
check "--sample 4 --seed 7: exit 0, 4 items compared" \
  '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $(sel s1.json | wc -w) -eq 4 ]'
check "  the same selection on the tar, the zip and the directory bag" \
  '[ "$(sel s1.json)" = "$(sel s2.json)" ] && [ "$(sel s1.json)" = "$(sel s3.json)" ]'
custos-verify -q -r E-1.tar --part 1/2 --json > p1.json; custos-verify -q -r E-1.tar --part 2/2 --json > p2.json
check "--part 1/2 and 2/2 together cover every item once" \
  '[ $(( $(sel p1.json | wc -w) + $(sel p2.json | wc -w) )) -eq $items ]'

# The ledger entry names the tag manifest's SHA-256 (docs/formats/ledger.md).
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file alice.pass --case C-1 \
    --level 2 --authorisation "order 1"
custos-verify -q -r E-1.tar --signer alice.key.pub --ledger c.ledger --key alice.key \
    --passphrase-file alice.pass >/dev/null; rc=$?
tail -n 1 c.ledger | cut -f 1 > body.json
check "--ledger: exit 0, a verify entry with the tag manifest's sha256" \
  '[ $rc -eq 0 ] && [ "$(field body.json "r[\"action\"], r[\"sha256\"]")" = "verify $(tm_sha E-1.tar)" ]'

echo "1..$n"
[ $failed -eq 0 ]
