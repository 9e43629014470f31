#!/bin/sh
# custos-acquire --resume of an E01 output (issue 17 item 1): acquisitions
# into a set of 5 MiB segments interrupted at many moments (SIGKILL at the
# Nth write or fsync, a torn write included; SIGINT; a failed write, EIO),
# through the LD_PRELOAD shim tests/fault/crash.c, and resumed. Each result
# is checked against an uninterrupted acquisition of the same source with
# independent tools: ewfverify passes (it checks the MD5 and SHA-1 stored),
# the media data ewfexport writes is the source byte for byte (cmp), the
# MD5 and SHA-1 ewfinfo shows are the reference's and md5sum's/sha1sum's,
# and the record is the reference's but for times, the interruptions and
# the segment files (whose headers hold the acquisition time and a random
# set identifier). Also: interruptions listed with times; killed twice;
# another medium refused (exit 6) with the staged set unchanged; a staged
# set damaged before resuming refused; nothing published before the end.
set -u
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8:verify_asan_link_order=0"
shim=${CUSTOS_CRASH_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
  echo "1..0 # SKIP no CUSTOS_CRASH_SHIM (run through meson test)"; exit 0
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# A 40 MiB medium: random, zeros, random.
head -c 16777216 /dev/urandom > src.img
head -c 8388608 /dev/zero >> src.img
head -c 16777216 /dev/urandom >> src.img
ACQ="-q -a W-17 --case C-17 --examiner Tester -w 4M -s 5M"
MD5=$(md5sum < src.img | cut -d' ' -f1)
SHA1=$(sha1sum < src.img | cut -d' ' -f1)

# Same record but for times, interruptions, the command line, paths and segment files.
same_record() { # REF OUT
  python3 - "$1" "$2" <<'EOF'
import json, sys
def norm(path):
    r = json.load(open(path))
    for k in ("started", "finished", "seconds", "interruptions", "command_line"):
        r.pop(k, None)
    r["verification"].pop("seconds", None)
    r["source"].pop("path", None); r["source"].pop("absolute_path", None)
    r["output"].pop("files")
    return r
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a != b:
    for k in a:
        if a.get(k) != b.get(k):
            print("# differs:", k, json.dumps(a.get(k))[:200], json.dumps(b.get(k))[:200])
    sys.exit(1)
EOF
}
# Interruptions in the record, each with its times: prints their number.
interruptions() { # RECORD
  python3 -c 'import json,sys
i = json.load(open(sys.argv[1]))["interruptions"]
assert all(e["interrupted"] and e["resumed"] and "bytes_kept" in e for e in i)
print(len(i))' "$1" 2> /dev/null
}
stored() { # E01 -> the MD5 and SHA-1 ewfinfo shows
  ewfinfo "$1" | grep -E '^[[:space:]]*(MD5|SHA1):' | tr -d ' \t'
}
# The set is whole and holds the medium: ewfverify, ewfexport + cmp, stored hashes.
set_ok() { # DIR
  ewfverify -q "$1/d.E01" > v.out 2>&1 && grep -q "ewfverify: SUCCESS" v.out || return 1
  rm -f "$1/x.raw"
  ewfexport -q -t "$1/x" -f raw -u "$1/d.E01" > /dev/null 2>&1 && cmp -s "$1/x.raw" src.img ||
    return 1
  rm -f "$1/x.raw" "$1/x.raw.info"
  [ "$(stored "$1/d.E01")" = "$(printf 'MD5:%s\nSHA1:%s' "$MD5" "$SHA1")" ]
}

# ---- the reference: uninterrupted ----
mkdir ref
custos-acquire $ACQ src.img -o ref/d.E01; rc=$?
[ $rc -eq 0 ] && set_ok ref && [ "$(interruptions ref/d.E01.acquire.json)" = 0 ]
check $? "reference: ewfverify, ewfexport = source (cmp), stored MD5/SHA-1 = md5sum/sha1sum"
nseg=$(ls ref/d.E0* | wc -l)

steps() { # -> number of steps of one run
  rm -rf cnt && mkdir cnt
  LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
    custos-acquire $ACQ src.img -o cnt/d.E01
  cat count
}
points() { # K M -> M steps spread over 2..K
  awk -v k="$1" -v m="$2" 'BEGIN { for (i = 1; i <= m; i++) print int(1 + i * (k - 1) / (m + 1)) + 1 }' |
    sort -un
}

# One interrupted run and its resumption.
attempt() { # MODE AT
  mode=$1 at=$2
  rm -rf run && mkdir run
  LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=$mode CUSTOS_CRASH_AT=$at \
    custos-acquire $ACQ src.img -o run/d.E01 > out 2> err
  rc=$?
  case $mode in kill) want=137 ;; int) want=130 ;; *) want=7 ;; esac
  [ $rc -eq 0 ] && { echo "# $mode at $at: finished before the moment"; return 0; }
  [ $rc -eq $want ] || { echo "# $mode at $at: exit $rc, want $want"; return 1; }
  if [ -n "$(ls run)" ]; then
    # killed between the renames of the publication: never a record without its set
    [ -e run/d.E01.acquire.json ] && [ "$(ls run/d.E0* | wc -l)" != "$nseg" ] &&
      { echo "# $mode at $at: a record published without its set"; return 1; }
    echo "# $mode at $at: killed during publication: $(ls run | tr '\n' ' ')"; return 0
  fi
  if [ $mode != kill ] && ! grep -q -- "--resume run/d.E01" err; then
    echo "# $mode at $at: the message does not say how to resume"; return 1
  fi
  custos-acquire -q --resume run/d.E01 > out 2> err
  rc=$?
  if [ $rc -eq 2 ] && grep -q "nothing to resume" err; then
    echo "# $mode at $at: nothing to resume yet"; return 0
  fi
  [ $rc -eq 0 ] || { echo "# $mode at $at: resume exit $rc"; sed 's/^/#   /' err; return 1; }
  set_ok run || { echo "# $mode at $at: the set is not the medium's"; return 1; }
  same_record ref/d.E01.acquire.json run/d.E01.acquire.json ||
    { echo "# $mode at $at: the record differs"; return 1; }
  [ "$(interruptions run/d.E01.acquire.json)" = 1 ] ||
    { echo "# $mode at $at: the interruption is not recorded"; return 1; }
  ls -a run | grep -q incomplete && { echo "# $mode at $at: staging left"; return 1; }
  kept=$((kept + $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["interruptions"][0]["bytes_kept"])' run/d.E01.acquire.json)))
  return 0
}

k=$(steps)
kept=0
for mode in kill:10 int:4 eio:3; do
  m=${mode%%:*} cnt=${mode#*:} bad=0 tried=0
  for at in $(points "$k" "$cnt"); do
    tried=$((tried + 1))
    attempt "$m" "$at" || bad=$((bad + 1))
  done
  check $bad "$m at $tried of $k steps, resumed: ewfverify, media = source, stored hashes and record = uninterrupted"
done
[ "$kept" -gt 0 ]; check $? "some resumptions kept staged bytes ($kept in all), not only re-read"

# ---- nothing published before the end, the staging directory and journal kept ----
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$((k / 2)) custos-acquire $ACQ src.img \
  -o run/d.E01 2> /dev/null
[ -z "$(ls run)" ] && [ -f run/.custos.incomplete-*/acquire-journal.json ] &&
  [ -f run/.custos.incomplete-*/d.E02 ]
check $? "killed halfway: nothing published, the journal and staged segments kept"

# ---- another medium: refused, the staged set unchanged ----
cp src.img other.img
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100); b = f.read(1); f.seek(100); f.write(bytes([b[0] ^ 0xff]))' other.img
before=$(cat run/.custos.incomplete-*/d.E0* | sha256sum)
custos-acquire -q --resume run/d.E01 other.img 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "not the same medium" err && [ -z "$(ls run)" ] &&
  [ "$(cat run/.custos.incomplete-*/d.E0* | sha256sum)" = "$before" ]
check $? "another medium (sector 0 differs): exit 6, the staged set unchanged"

# ---- killed again while resuming, resumed: 2 interruptions ----
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$((k / 4)) custos-acquire -q \
  --resume run/d.E01 2> /dev/null
rc=$?
custos-acquire -q --resume run/d.E01; rc2=$?
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && set_ok run &&
  same_record ref/d.E01.acquire.json run/d.E01.acquire.json &&
  [ "$(interruptions run/d.E01.acquire.json)" = 2 ]
check $? "killed, resumed and killed again, resumed: one run's set and record, 2 interruptions"

# ---- a staged set damaged before resuming: refused, never kept ----
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=$((k * 3 / 4)) custos-acquire $ACQ \
  src.img -o run/d.E01 2> /dev/null
seg=$(ls run/.custos.incomplete-*/d.E01)
chmod u+w "$seg"
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(3000000); b = f.read(1); f.seek(3000000); f.write(bytes([b[0] ^ 0xff]))' "$seg"
custos-acquire -q --resume run/d.E01 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "differs from the medium or cannot be read back" err && [ -z "$(ls run)" ]
check $? "a staged segment damaged (one byte in a chunk): exit 6, nothing published"
custos-acquire $ACQ src.img -o run/d.E01 && set_ok run
check $? "after that refusal, a new acquisition of the same output succeeds"

echo "1..$n"
[ "$failed" -eq 0 ]
