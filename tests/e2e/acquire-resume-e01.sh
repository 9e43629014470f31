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
# set damaged before resuming refused; nothing published before the end;
# unreadable sectors (tests/fault/fault.c): the same error map in the record
# and in the E01 (ewfinfo -e), the same zero-filled media data.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"
. "$here/resume-lib.sh"
shim=${CUSTOS_CRASH_SHIM:-}
fault=${CUSTOS_FAULT_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ] || [ -z "$fault" ] || [ ! -f "$fault" ]; then
  echo "1..0 # SKIP no CUSTOS_CRASH_SHIM/CUSTOS_FAULT_SHIM (run through meson test)"; exit 0
fi
# check_rc STATUS NAME: passes when STATUS is 0.
check_rc() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }

resume_medium src.img
ACQ="-q -a W-17 --case C-17 --examiner Tester -w 4M -s 5M"
MD5=$(md5sum < src.img | cut -d' ' -f1)
SHA1=$(sha1sum < src.img | cut -d' ' -f1)

# Interruptions in the record, each with its times: prints their number.
timed_interruptions() { # RECORD
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
[ $rc -eq 0 ] && set_ok ref && [ "$(timed_interruptions ref/d.E01.acquire.json)" = 0 ]
check_rc $? "reference: ewfverify, ewfexport = source (cmp), stored MD5/SHA-1 = md5sum/sha1sum"
nseg=$(ls ref/d.E0* | wc -l)

steps() { # -> number of steps of one run
  rm -rf cnt && mkdir cnt
  LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
    custos-acquire $ACQ src.img -o cnt/d.E01
  cat count
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
    # killed between the renames of the publication: never a record without
    # its set, and --resume takes back what was published and finishes it
    [ -e run/d.E01.acquire.json ] && [ "$(ls run/d.E0* | wc -l)" != "$nseg" ] &&
      { echo "# $mode at $at: a record published without its set"; return 1; }
    [ -e run/d.E01.acquire.json ] && { echo "# $mode at $at: killed after the record's rename"; return 0; }
    published=$((published + 1))
    custos-acquire -q --resume run/d.E01 > out 2> err ||
      { echo "# $mode at $at: resume after a kill during publication exit $?"; sed 's/^/#   /' err; return 1; }
  else
    resume_output run/d.E01 "$mode" "$at"
    case $? in 1) return 1 ;; 2) return 0 ;; esac
  fi
  set_ok run || { echo "# $mode at $at: the set is not the medium's"; return 1; }
  same_record ref/d.E01.acquire.json run/d.E01.acquire.json nofiles ||
    { echo "# $mode at $at: the record differs"; return 1; }
  [ "$(timed_interruptions run/d.E01.acquire.json)" = 1 ] ||
    { echo "# $mode at $at: the interruption is not recorded"; return 1; }
  ls -a run | grep -q incomplete && { echo "# $mode at $at: staging left"; return 1; }
  total_kept=$((total_kept + $(kept run/d.E01.acquire.json 0)))
  return 0
}

k=$(steps)
total_kept=0 published=0
for mode in kill:10 int:4 eio:3; do
  m=${mode%%:*} cnt=${mode#*:} bad=0 tried=0
  for at in $(points "$k" "$cnt"); do
    tried=$((tried + 1))
    attempt "$m" "$at" || bad=$((bad + 1))
  done
  check_rc $bad "$m at $tried of $k steps, resumed: ewfverify, media = source, stored hashes and record = uninterrupted"
done
[ "$total_kept" -gt 0 ]; check_rc $? "some resumptions kept staged bytes ($total_kept in all), not only re-read"

# ---- killed between the renames of the publication (the last segments, the record) ----
export CUSTOS_CRASH_STEPS=names # the shim counts renames only
kn=$(steps)
published=0 bad=0 tried=0
for at in $(seq $((kn - 4)) "$kn"); do
  tried=$((tried + 1))
  attempt kill "$at" || bad=$((bad + 1))
done
unset CUSTOS_CRASH_STEPS
[ $bad -eq 0 ] && [ $published -ge 3 ]
check_rc $? "killed at the last $tried renames ($published with part of the set published), resumed: ewfverify, media = source, record = uninterrupted"

# ---- nothing published before the end, the staging directory and journal kept ----
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$((k / 2)) custos-acquire $ACQ src.img \
  -o run/d.E01 2> /dev/null
[ -z "$(ls run)" ] && [ -f run/.custos.incomplete-*/acquire-journal.json ] &&
  [ -f run/.custos.incomplete-*/d.E02 ]
check_rc $? "killed halfway: nothing published, the journal and staged segments kept"

# ---- another medium: refused, the staged set unchanged ----
cp src.img other.img
flip other.img 100
before=$(cat run/.custos.incomplete-*/d.E0* | sha256sum)
custos-acquire -q --resume run/d.E01 other.img 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "not the same medium" err && [ -z "$(ls run)" ] &&
  [ "$(cat run/.custos.incomplete-*/d.E0* | sha256sum)" = "$before" ]
check_rc $? "another medium (sector 0 differs): exit 6, the staged set unchanged"

# ---- killed again while resuming, resumed: 2 interruptions ----
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$((k / 4)) custos-acquire -q \
  --resume run/d.E01 2> /dev/null
rc=$?
custos-acquire -q --resume run/d.E01; rc2=$?
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && set_ok run &&
  same_record ref/d.E01.acquire.json run/d.E01.acquire.json nofiles &&
  [ "$(timed_interruptions run/d.E01.acquire.json)" = 2 ]
check_rc $? "killed, resumed and killed again, resumed: one run's set and record, 2 interruptions"

# ---- a staged set damaged before resuming: refused, never kept ----
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=$((k * 3 / 4)) custos-acquire $ACQ \
  src.img -o run/d.E01 2> /dev/null
seg=$(ls run/.custos.incomplete-*/d.E01)
chmod u+w "$seg"
flip "$seg" 3000000
custos-acquire -q --resume run/d.E01 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "differs from the medium or cannot be read back" err && [ -z "$(ls run)" ]
check_rc $? "a staged segment damaged (one byte in a chunk): exit 6, nothing published"
custos-acquire $ACQ src.img -o run/d.E01 && set_ok run
check_rc $? "after that refusal, a new acquisition of the same output succeeds"

# ---- unreadable sectors: the same error map, in the record and in the E01 ----
export CUSTOS_FAULT_PATH="$work/src.img" CUSTOS_FAULT_SECTORS="20000-20007,50001,70000-70002"
errors() { ewfinfo -e "$1" | grep -iE 'sector|error' | tr -s ' \t'; }
media() { rm -f "$1/x.raw"; ewfexport -q -t "$1/x" -f raw -u "$1/d.E01" > /dev/null 2>&1; }
mkdir refb
LD_PRELOAD="$fault" custos-acquire $ACQ src.img -o refb/d.E01 > /dev/null 2>&1; rc=$?
media refb
[ $rc -eq 3 ] && [ -n "$(errors refb/d.E01 | grep 20000)" ] && ! cmp -s refb/x.raw src.img
check_rc $? "reference with unreadable sectors: exit 3, mapped in the E01, zero-filled"
same_e01() { # RC
  media run
  [ "$1" -eq 3 ] && cmp -s run/x.raw refb/x.raw && ewfverify -q run/d.E01 > /dev/null 2>&1 &&
    [ "$(errors run/d.E01)" = "$(errors refb/d.E01)" ] &&
    same_record refb/d.E01.acquire.json run/d.E01.acquire.json nofiles
}
unreadable_runs d.E01 5 same_e01
check_rc $bad "unreadable sectors: killed at $tried of $steps steps, resumed: same media data, same error map (record and ewfinfo -e)"
unset CUSTOS_FAULT_PATH CUSTOS_FAULT_SECTORS

finish
