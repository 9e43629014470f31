#!/bin/sh
# Hostile E01 sets (issue 19 item 3) beyond hash-image-damage.sh and
# verify-image.sh: a set made here (3 segments, random and zero chunks) is
# damaged by tests/e2e/ewf-mutate.py in the section headers (a descriptor
# checksum, a type, a next offset that skips a table), the tables (one
# entry, both copies, the entry count), the volume (a media size that lies
# bigger or smaller, consistently in every segment or in the volume alone,
# the chunk count), the hash and digest sections (stored MD5/SHA-1 changed,
# their checksums fixed up), a compressed chunk, and cuts (inside the
# volume, the sectors, a table, before the hash section) and a missing
# middle segment. Checksums are recomputed where the damage should look
# well-formed, so only the content can tell.
#
# ewfverify is the referee: it must fail on every damaged set (else the
# mutation did nothing). Then custos-verify of the E01 against its record
# exits 1 (changed) or 5 (corrupt), never 0; custos-acquire from it exits 1
# (stored digests differ), 3 (sectors not readable, zero-filled and mapped)
# or 5 (refused, nothing written), never 0; what it publishes with 1 or 3
# is recorded as such in the acquisition record.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

head -c 2097152 /dev/urandom > m.bin
head -c 1048576 /dev/zero >> m.bin
mkdir base && custos-acquire -q --no-authorisation -s 1M m.bin -o base/d.E01 > /dev/null 2>&1 || exit 1
check "a 3-segment E01 of the medium" test -f base/d.E03
check "ewfverify accepts the undamaged set" ewfverify -q base/d.E01
custos-verify -q -r base/d.E01.acquire.json base/d.E01 > /dev/null 2>&1
is "custos-verify accepts the undamaged set" $? 0

for m in size-bigger size-smaller size-bigger-volume-only chunk-count desc-checksum \
         desc-next-skips-table desc-type table table-both table-count hash-md5 digest-both \
         chunk-compressed cut-in-volume cut-mid-sectors cut-mid-table cut-before-hash \
         missing-middle; do
  rm -rf "$m" && cp -r base "$m" && chmod u+w "$m"/*
  if ! $PY "$here/ewf-mutate.py" "$m" "$m"; then fail "$m: the mutation applies"; continue; fi
  if ewfverify -q "$m/d.E01" > /dev/null 2>&1; then
    fail "$m: ewfverify finds the damage (else the mutation did nothing)"; continue
  fi
  custos-verify -q -r "$m/d.E01.acquire.json" "$m/d.E01" > v.out 2> v.err; vr=$?
  case $vr in
    1 | 5) if [ "$(wc -l < v.err)" -ge 1 ] && grep -q "d.E0" v.err; then
             pass "$m: custos-verify exits $vr and names the file"
           else fail "$m: custos-verify exits $vr and names the file" "$(cat v.err)"; fi ;;
    *) fail "$m: custos-verify refuses or reports (exit $vr, want 1 or 5)" "$(cat v.err)" ;;
  esac
  mkdir -p out
  custos-acquire -q --no-authorisation "$m/d.E01" -o "out/$m.raw" > a.out 2> a.err; ar=$?
  case $ar in
    5) if [ ! -e "out/$m.raw" ] && [ ! -e "out/$m.raw.acquire.json" ]; then
         pass "$m: custos-acquire refuses (exit 5) and writes nothing"
       else fail "$m: custos-acquire refuses (exit 5) and writes nothing" "$(ls out)"; fi ;;
    1 | 3)
      rec="out/$m.raw.acquire.json"
      if [ -f "$rec" ] && $PY - "$rec" "$ar" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); code = sys.argv[2]
s = json.dumps(r)
# exit 3: the record maps what was not read; exit 1: the stored digests differ
ok = ('"errors"' in s or 'unreadable' in s or 'zero' in s) if code == '3' else ('stored' in s)
sys.exit(0 if ok else 1)
PY
      then
        if cmp -s "out/$m.raw" m.bin && [ "$ar" -eq 3 ]; then
          fail "$m: custos-acquire exits 3 but copied every byte right"
        else pass "$m: custos-acquire reports it (exit $ar) and its record says so"; fi
      else fail "$m: custos-acquire reports it (exit $ar) and its record says so" "$(cat a.err)"; fi ;;
    *) fail "$m: custos-acquire refuses or reports (exit $ar, want 1, 3 or 5)" "$(cat a.err)" ;;
  esac
done
finish
