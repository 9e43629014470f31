#!/bin/sh
# custos-acquire's edges (issue 17, second round): --resume with --ledger;
# publication killed between its renames, then resumed; failed reads retried
# counted across a resumption; several outputs with a publication that fails
# part way; an E01 source's media type and flags carried over. Faults come
# from the LD_PRELOAD shims tests/fault/crash.c (kill or fail at the Nth
# step, or the Nth rename only) and tests/fault/fault.c (unreadable sectors,
# transient ones too); results are checked with cmp, sha256sum, ewfinfo and
# custos-ledger verify.
here=$(cd "$(dirname "$0")" && pwd)
shim=${CUSTOS_CRASH_SHIM:-}
fault=${CUSTOS_FAULT_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ] || [ -z "$fault" ] || [ ! -f "$fault" ]; then
  echo "1..0 # SKIP no CUSTOS_CRASH_SHIM/CUSTOS_FAULT_SHIM (run through meson test)"; exit 0
fi
. "$here/acquire-lib.sh"
ok_if() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }

head -c 8388608 /dev/urandom > src.img
ACQ="-q -a W-17 --case C-17 --examiner Tester -w 1M"

# ---- 3. failed reads retried, counted across a resumption ----
# Sector 4100 (in the third 1 MiB block) fails its first 3 reads, then reads:
# the block is retried twice, then read sector by sector, and nothing is lost.
export CUSTOS_FAULT_PATH="$work/src.img" CUSTOS_FAULT_SECTORS=4100 CUSTOS_FAULT_TRANSIENT=3
mkdir ref3
LD_PRELOAD="$fault" custos-acquire $ACQ src.img -o ref3/d.raw; rc=$?
[ $rc -eq 0 ] && [ "$(jget ref3/d.raw.acquire.json 'r["read_errors"]["failed_reads_retried"]')" = 2 ] &&
  cmp -s src.img ref3/d.raw
ok_if $? "a sector that fails 3 reads, then reads: exit 0, 2 failed reads retried, the image whole"
kept=0
for at in $(seq 10 24); do
  rm -rf run3 && mkdir run3
  LD_PRELOAD="$fault $shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$at \
    custos-acquire $ACQ src.img -o run3/d.raw 2> /dev/null
  [ -e run3/d.raw ] && continue
  # resumed without the fault: the sector now reads (and the kept part is not re-read anyway)
  env -u CUSTOS_FAULT_PATH custos-acquire -q --resume run3/d.raw || continue
  kept=$(jget run3/d.raw.acquire.json 'r["interruptions"][0]["bytes_kept"]')
  [ "$kept" -ge 3145728 ] && break
done
[ "$kept" -ge 3145728 ] && cmp -s src.img run3/d.raw &&
  [ "$(jget run3/d.raw.acquire.json 'r["read_errors"]["failed_reads_retried"]')" = 2 ]
ok_if $? "killed after the retried block (kept $kept bytes), resumed: failed_reads_retried is 2, as uninterrupted"
unset CUSTOS_FAULT_PATH CUSTOS_FAULT_SECTORS CUSTOS_FAULT_TRANSIENT

# ---- 5. an E01 source's media type and flags carried over ----
head -c 2097152 src.img > m.bin
ewfacquire -q -u -t opt -m optical -M physical -c none -C c -D d -E e -e x -N n m.bin \
  > /dev/null 2>&1 &&
  ewfacquire -q -u -t rem -m removable -M logical -c none -C c -D d -E e -e x -N n m.bin \
    > /dev/null 2>&1
ok_if $? "ewfacquire made an optical physical E01 and a removable logical one"
mkdir e5
ewf_media() { ewfinfo "$1" | sed -n 's/^[[:space:]]*\(Media type\|Is physical\):[[:space:]]*//p' | paste -sd'|'; }
custos-acquire $ACQ opt.E01 -o e5/opt.E01 && [ "$(ewf_media e5/opt.E01)" = "optical disk (CD/DVD/BD)|yes" ] &&
  [ "$(jget e5/opt.E01.acquire.json 'r["source"]["media_type"], r["source"]["media_type_from"], r["source"]["media_physical"]')" = "('optical', 'e01', True)" ]
ok_if $? "optical physical E01 to E01: ewfinfo says optical, physical; the record says optical from e01"
custos-acquire $ACQ rem.E01 -o e5/rem.E01 && [ "$(ewf_media e5/rem.E01)" = "removable disk|no" ] &&
  [ "$(jget e5/rem.E01.acquire.json 'r["source"]["media_type"], r["source"]["media_physical"]')" = "('removable', False)" ]
ok_if $? "removable logical E01 to E01: ewfinfo says removable, not physical"
custos-acquire $ACQ rem.E01 -o e5/rem.raw && cmp -s m.bin e5/rem.raw &&
  [ "$(jget e5/rem.raw.acquire.json 'r["source"]["media_type"], r["source"]["media_type_from"]')" = "('removable', 'e01')" ]
ok_if $? "removable E01 to raw: the record says removable from e01"
custos-acquire $ACQ --media-type fixed opt.E01 -o e5/fix.E01 &&
  [ "$(ewf_media e5/fix.E01)" = "fixed disk|yes" ] &&
  [ "$(jget e5/fix.E01.acquire.json 'r["source"]["media_type_from"]')" = option ]
ok_if $? "--media-type fixed overrides the E01's type (its physical flag stays)"
custos-acquire $ACQ m.bin -o e5/file.E01 && [ "$(ewf_media e5/file.E01)" = "fixed disk|no" ]
ok_if $? "a plain file still gives fixed, not physical"

# ---- 1. --resume with --ledger: the entry an uninterrupted run appends ----
case_ledger 1 &&
  custos-ledger add --yes collect -q -l c.ledger --sign custodian=alice.key --sign witness=carol.key \
    --passphrase-file a.pass --passphrase-file c.pass --item E-1 --description "USB stick"
ok_if $? "a ledger (case C-7, order 7) with item E-1 collected"
LED="--yes -l c.ledger --key alice.key --sign witness=carol.key --passphrase-file a.pass --passphrase-file c.pass"
last() { tail -n 1 c.ledger | cut -f1 | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1'))"; }
# The facts two records must share, whatever the times, paths and interruptions.
facts() { jget "$1" '[r[k] for k in ("status", "case", "bytes", "digests", "piecewise", "read_errors")] + [f["sha256"] for f in r["output"]["files"]]'; }
same_record() { [ "$(facts "$1")" = "$(facts "$2")" ]; }
mkdir ref1 run1
custos-acquire -q $LED --item E-1 src.img -o ref1/d.raw
ok_if $? "reference: an uninterrupted acquisition with --ledger"
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=8 custos-acquire -q $LED --item E-1 \
  src.img -o run1/d.raw 2> /dev/null
rc=$?
lines=$(wc -l < c.ledger)
[ $rc -eq 137 ] && [ ! -e run1/d.raw ]
ok_if $? "the same, killed halfway: nothing published"
custos-acquire -q --resume run1/d.raw $LED > out 2> err; rc=$?
[ $rc -eq 0 ] && cmp -s src.img run1/d.raw && [ "$(wc -l < c.ledger)" -eq $((lines + 1)) ]
ok_if $? "--resume --ledger (the item from the journal): exit 0, the image whole, one entry appended"
custos-ledger verify -q -l c.ledger
ok_if $? "custos-ledger verify passes"
[ "$(last action)" = acquire ] && [ "$(last item)" = E-1 ] &&
  [ "$(last record)" = d.raw.acquire.json ] &&
  [ "$(last record_sha256)" = "$(sha256sum < run1/d.raw.acquire.json | cut -d' ' -f1)" ] &&
  [ "$(last image_sha256)" = "$(sha256sum < src.img | cut -d' ' -f1)" ] &&
  [ "$(last md5)" = "$(md5sum < src.img | cut -d' ' -f1)" ] &&
  [ "$(last sha1)" = "$(sha1sum < src.img | cut -d' ' -f1)" ]
ok_if $? "the entry names the record (sha256sum) and the image's digests (md5sum, sha1sum, sha256sum)"
same_record ref1/d.raw.acquire.json run1/d.raw.acquire.json &&
  [ "$(jget run1/d.raw.acquire.json 'r["case"]["case_number"], r["case"]["description"]')" = "('C-7', 'USB stick')" ]
ok_if $? "the resumed record is the uninterrupted one's: the ledger's case and description"
custos-acquire -q --resume ref1/d.raw $LED 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "nothing to resume" err; ok_if $? "--resume --ledger with nothing to resume: exit 2"
# A run made outside this case cannot be recorded in it.
mkdir run1b
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=8 custos-acquire $ACQ --evidence E-1 \
  src.img -o run1b/d.raw 2> /dev/null
lines=$(wc -l < c.ledger)
custos-acquire -q --resume run1b/d.raw $LED 2> err; rc=$?
[ $rc -eq 6 ] && grep -q 'case number ("C-17") is not "C-7"' err && [ ! -e run1b/d.raw ] &&
  [ "$(wc -l < c.ledger)" -eq "$lines" ] && ls run1b/.custos.incomplete-*/acquire-journal.json > /dev/null
ok_if $? "a run of case C-17 resumed with C-7's ledger: exit 6, nothing published or appended, still resumable"
mkdir run1c
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=8 custos-acquire -q $LED --item E-1 \
  src.img -o run1c/d.raw 2> /dev/null
custos-acquire -q --resume run1c/d.raw $LED --item E-2 2> err; rc=$?
[ $rc -eq 6 ] && grep -q 'evidence number ("E-1") is not "E-2", which --item gives' err && [ ! -e run1c/d.raw ]
ok_if $? "--item other than the interrupted run's evidence number: exit 6"
custos-acquire -q --resume run1c/d.raw --yes -l c.ledger --sign witness=carol.key 2> err; rc=$?
[ $rc -eq 2 ] && grep -q -- "--ledger needs --key" err
ok_if $? "--resume --ledger without --key: usage (exit 2)"
custos-acquire -q --resume run1c/d.raw $LED --collect 2> err; rc=$?
[ $rc -eq 2 ]; ok_if $? "--resume --collect: usage (exit 2)"

# ---- 2. killed between the renames of the publication, then resumed ----
# CUSTOS_CRASH_STEPS=names: the shim counts only renames, so the last ones are
# the publication's: the 4 segments, then the signature, then the record.
printf 'edge test\n' > k.pass
custos-key generate -q --name "Edge Tester" --role custodian -o k.key --passphrase-file k.pass
mkdir ref2
custos-acquire $ACQ -s 2M src.img -o ref2/d.raw --key k.key --passphrase-file k.pass
ok_if $? "reference: split raw (4 segments), signed record"
k=$(LD_PRELOAD="$shim" CUSTOS_CRASH_STEPS=names CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
  custos-acquire $ACQ -s 2M src.img -o cnt2.raw --key k.key --passphrase-file k.pass > /dev/null 2>&1
  cat count)
rm -f cnt2.raw*
# A published record only ever stands beside its whole set.
whole_or_no_record() { # DIR
  [ ! -e "$1/d.raw.acquire.json" ] && return 0
  for f in ref2/d.raw.00*; do cmp -s "$f" "$1/${f##*/}" || return 1; done
  [ -e "$1/d.raw.acquire.json.sig" ]
}
bad=0 tried=0 partial=0
for at in $(seq $((k - 7)) "$k"); do
  tried=$((tried + 1))
  rm -rf run2 && mkdir run2
  LD_PRELOAD="$shim" CUSTOS_CRASH_STEPS=names CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$at \
    custos-acquire $ACQ -s 2M src.img -o run2/d.raw --key k.key --passphrase-file k.pass 2> /dev/null
  whole_or_no_record run2 || { echo "# kill at rename $at: a record beside a partial set"; bad=$((bad + 1)); continue; }
  [ -n "$(ls run2)" ] && partial=$((partial + 1))
  custos-acquire -q --resume run2/d.raw --key k.key --passphrase-file k.pass > out 2> err; rc=$?
  if [ $rc -ne 0 ]; then echo "# kill at rename $at: resume exit $rc"; sed 's/^/#   /' err; bad=$((bad + 1)); continue; fi
  for f in ref2/d.raw.00*; do cmp -s "$f" "run2/${f##*/}" || { echo "# kill at rename $at: ${f##*/} differs"; bad=$((bad + 1)); }; done
  same_record ref2/d.raw.acquire.json run2/d.raw.acquire.json &&
    [ "$(ls run2 | wc -l)" = "$(ls ref2 | wc -l)" ] && ! ls -a run2 | grep -q incomplete &&
    custos-verify -q -r run2/d.raw.acquire.json --signer k.key.pub run2/d.raw.001 ||
    { echo "# kill at rename $at: the record, its signature or the set differs"; bad=$((bad + 1)); }
done
[ $partial -ge 4 ]; ok_if $? "killed at the last 8 renames: $partial left part of the set published"
ok_if $bad "each resumed: the reference's segments (cmp), record and a signature custos-verify accepts"
for at in $(seq 1 "$k"); do
  rm -rf run2b && mkdir run2b
  LD_PRELOAD="$shim" CUSTOS_CRASH_STEPS=names CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$at \
    custos-acquire $ACQ -s 2M src.img -o run2b/d.raw --key k.key --passphrase-file k.pass 2> /dev/null
  [ -e run2b/d.raw.002 ] && [ ! -e run2b/d.raw.003 ] && break
done
ls run2b > before
# Killed at its very last step (the directory flushed after the record's
# rename): the set is whole, and --resume says so and removes the staging.
kall=$(LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
  custos-acquire $ACQ -s 2M src.img -o cnt2.raw > /dev/null 2>&1; cat count)
rm -f cnt2.raw*
rm -rf run2c && mkdir run2c
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$kall custos-acquire $ACQ -s 2M src.img \
  -o run2c/d.raw 2> /dev/null
rc=$?
ls -a run2c | grep -q incomplete; left=$?
custos-acquire -q --resume run2c/d.raw 2> err; rc2=$?
[ $rc -eq 137 ] && [ $left -eq 0 ] && [ $rc2 -eq 2 ] && grep -q "published it whole" err &&
  ! ls -a run2c | grep -q incomplete && cat run2c/d.raw.00* | cmp -s - src.img &&
  [ "$(jget run2c/d.raw.acquire.json 'len(r["interruptions"])')" = 0 ]
ok_if $? "killed after the record's rename: --resume says it was published whole (exit 2), removes the staging"
# (segments 1 and 2 published, 3 and 4 staged)
mv run2b/d.raw.002 moved.002 && cp moved.002 run2b/d.raw.002
custos-acquire -q --resume run2b/d.raw 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "d.raw.002 neither staged here nor published as it was" err &&
  grep -q "published: [^ ]*d.raw.001;" err && ls run2b | cmp -s - before &&
  [ -f run2b/.custos.incomplete-*/d.raw.004 ]
ok_if $? "a published segment replaced by another file: exit 6, names it and what is published, nothing moved"

# ---- 4. several outputs: a rename that fails part way ----
# Every published record says "verified" exactly for the images published
# beside their record, and every published image has its record.
honest() { # DIR
  for r in "$1"/*.acquire.json; do
    [ -e "$r" ] || continue
    python3 - "$r" "$1" <<'PY' || return 1
import json, os, sys
r = json.load(open(sys.argv[1]))
for c in r["copies"]:
    name = os.path.join(sys.argv[2], os.path.basename(c["output"]))
    there = os.path.exists(name) and os.path.exists(name + ".acquire.json")
    if (c["result"] == "verified") != there:
        print("# %s says %s: %s, but image there: %s" % (sys.argv[1], c["output"], c["result"], there))
        sys.exit(1)
PY
  done
  for i in "$1"/*.raw; do
    [ -e "$i" ] || continue
    [ -e "$i.acquire.json" ] && cmp -s "$i" src.img || { echo "# $i without its record, or not whole"; return 1; }
  done
}
k=$(LD_PRELOAD="$shim" CUSTOS_CRASH_STEPS=names CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
  custos-acquire $ACQ src.img -o c4a.raw -o c4b.raw -o c4c.raw > /dev/null 2>&1; cat count)
rm -f c4*
bad=0 p8=0
for at in $(seq 1 "$k"); do
  rm -rf run4 && mkdir run4
  LD_PRELOAD="$shim" CUSTOS_CRASH_STEPS=names CUSTOS_CRASH_MODE=eio CUSTOS_CRASH_AT=$at \
    custos-acquire $ACQ src.img -o run4/a.raw -o run4/b.raw -o run4/c.raw > /dev/null 2> err; rc=$?
  nrec=$(ls run4/*.acquire.json 2> /dev/null | wc -l)
  case "$rc:$nrec" in
    8:1 | 8:2) p8=$((p8 + 1)) ;;
    *) echo "# EIO at rename $at: exit $rc with $nrec records"; bad=$((bad + 1)) ;;
  esac
  honest run4 || { echo "# EIO at rename $at: a record says what is not"; bad=$((bad + 1)); }
  ls -a run4 | grep -q incomplete && { echo "# EIO at rename $at: staging left"; bad=$((bad + 1)); }
done
[ "$k" -eq 6 ] && [ $p8 -eq "$k" ]; ok_if $? "three outputs: $k renames (3 images, then 3 records)"
ok_if $bad "EIO at each rename: exit 8, the failed output unpublished, every record honest about it"

finish
