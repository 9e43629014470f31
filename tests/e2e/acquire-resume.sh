#!/bin/sh
# custos-acquire --resume (issue 17 item 1): raw and split raw acquisitions
# interrupted at many moments (SIGKILL at the Nth write, fsync or rename, a
# torn write included, and SIGINT/SIGTERM at the Nth step, through the
# LD_PRELOAD shim tests/fault/crash.c) and resumed. Each resumed result is
# compared byte for byte (cmp) with an uninterrupted acquisition of the
# same source, its record's digests, windows, error map and files with the
# reference record's (everything but times, interruptions and paths), and
# its digests with md5sum/sha256sum. Also: nothing is published before the
# end; resuming twice; another medium refused (exit 6); a staged image
# damaged before resuming (re-read from the damage on); unreadable sectors
# (tests/fault/fault.c) carried over; nothing to resume (exit 2); an E01
# resumed too (acquire-resume-e01.sh); not a run with several outputs (it keeps no journal).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8:verify_asan_link_order=0"
shim=${CUSTOS_CRASH_SHIM:-}
fault=${CUSTOS_FAULT_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ] || [ -z "$fault" ] || [ ! -f "$fault" ]; then
  echo "1..0 # SKIP no CUSTOS_CRASH_SHIM/CUSTOS_FAULT_SHIM (run through meson test)"; exit 0
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

. "$here/resume-lib.sh"
resume_medium src.img
SEG=3149312 # 6151 sectors: segment ends fall inside the 1 MiB slots
ACQ="-q -a W-17 --case C-17 --examiner Tester -w 4M"

# The record's digests are those of the image files, by md5sum and sha256sum.
sums_match() { # RECORD FILES...
  rec=$1; shift
  m=$(cat "$@" | md5sum | cut -d' ' -f1); s=$(cat "$@" | sha256sum | cut -d' ' -f1)
  python3 - "$rec" "$m" "$s" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["digests"]
sys.exit(0 if d["md5"] == sys.argv[2] and d["sha256"] == sys.argv[3] else 1)
EOF
}

# ---- references: uninterrupted runs ----
mkdir ref refs
custos-acquire $ACQ src.img -o ref/d.raw; check $? "reference raw acquisition"
custos-acquire $ACQ -s $SEG src.img -o refs/d.raw; check $? "reference split raw acquisition"
[ "$(interruptions ref/d.raw.acquire.json)" = 0 ]; check $? "an uninterrupted record has no interruptions"
sums_match ref/d.raw.acquire.json ref/d.raw; check $? "reference digests = md5sum/sha256sum"

# count the steps of one run under the shim
steps() { # extra-args -> number of steps
  rm -rf cnt && mkdir cnt
  LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
    custos-acquire $ACQ "$@" src.img -o cnt/d.raw
  cat count
}

# One interrupted run and its resumption. Variables: mode at extra refdir files.
# Counts into $good/$bad; notes why.
attempt() { # MODE AT REFDIR EXTRA-ARGS...
  mode=$1 at=$2 refdir=$3; shift 3
  rm -rf run && mkdir run
  LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=$mode CUSTOS_CRASH_AT=$at \
    custos-acquire $ACQ "$@" src.img -o run/d.raw > out 2> err
  rc=$?
  case $mode in kill) want=137 ;; *) want=130 ;; esac
  if [ $rc -eq 0 ]; then
    echo "# $mode at $at: finished before the moment"; return 0
  fi
  [ $rc -eq $want ] || { echo "# $mode at $at: exit $rc, want $want"; return 1; }
  if [ -n "$(ls run)" ]; then
    # killed between the renames of the publication: what is published is whole
    for f in run/*; do
      b=${f##*/}
      case $b in
        *.json) same_record "$refdir/$b" "$f" ;;
        *) cmp -s "$refdir/$b" "$f" ;;
      esac || { echo "# $mode at $at: $b published, and not whole"; return 1; }
    done
    echo "# $mode at $at: killed during publication: $(ls run | tr '\n' ' ')"; return 0
  fi
  resume_output run/d.raw "$mode" "$at"
  case $? in 1) return 1 ;; 2) return 0 ;; esac
  for f in "$refdir"/d.raw*; do
    b=${f##*/}
    case $b in *.json) continue ;; esac
    cmp -s "$f" "run/$b" || { echo "# $mode at $at: run/$b differs"; return 1; }
  done
  [ "$(ls run | wc -l)" = "$(ls "$refdir" | wc -l)" ] ||
    { echo "# $mode at $at: other files published: $(ls run)"; return 1; }
  same_record "$refdir/d.raw.acquire.json" run/d.raw.acquire.json ||
    { echo "# $mode at $at: the record differs"; return 1; }
  sums_match run/d.raw.acquire.json $(ls run/d.raw* | grep -v json) ||
    { echo "# $mode at $at: digests differ from md5sum/sha256sum"; return 1; }
  [ "$(interruptions run/d.raw.acquire.json)" = 1 ] ||
    { echo "# $mode at $at: interruptions not recorded"; return 1; }
  ls -a run | grep -q incomplete && { echo "# $mode at $at: staging left"; return 1; }
  return 0
}

matrix() { # NAME MODE COUNT REFDIR EXTRA-ARGS...
  name=$1 mode=$2 m=$3 refdir=$4; shift 4
  k=$(steps "$@")
  bad=0 tried=0
  for at in $(points "$k" "$m"); do
    tried=$((tried + 1))
    attempt "$mode" "$at" "$refdir" "$@" || bad=$((bad + 1))
  done
  check $bad "$name: $mode at $tried of $k steps, resumed = uninterrupted"
}

matrix raw kill 14 ref
matrix raw int 5 ref
matrix raw term 3 ref
matrix split kill 10 refs -s $SEG
matrix split int 3 refs -s $SEG

# ---- nothing published before the end, and the journal's staging directory kept ----
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=20 custos-acquire $ACQ src.img -o run/d.raw
[ ! -e run/d.raw ] && [ ! -e run/d.raw.acquire.json ] && ls -a run | grep -q '^.custos.incomplete-' &&
  [ -f run/.custos.incomplete-*/acquire-journal.json ]
check $? "killed: nothing published, the staging directory and journal kept"

# ---- another medium: refused, and the staging directory left as it was ----
cp src.img other.img
flip other.img 100
before=$(cat run/.custos.incomplete-*/d.raw | sha256sum)
custos-acquire -q --resume run/d.raw other.img 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "not the same medium" err && [ ! -e run/d.raw ] &&
  [ "$(cat run/.custos.incomplete-*/d.raw | sha256sum)" = "$before" ]
check $? "another medium (sector 0 differs): exit 6, nothing changed"
head -c 1048576 src.img > short.img
custos-acquire -q --resume run/d.raw short.img 2> err; rc=$?
[ $rc -eq 6 ] && grep -q "its size differs" err
check $? "another medium (another size): exit 6"

# ---- another medium, when the run stopped before its first whole 1 MiB slot ----
# Nothing can be kept then, but the staged bytes still name the medium: the
# first kill that leaves some but less than 1 MiB staged (a torn first write).
early=""
for at in $(seq 1 40); do
  rm -rf early && mkdir early
  LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$at custos-acquire $ACQ src.img \
    -o early/d.raw 2> /dev/null
  sz=$(cat early/.custos.incomplete-*/d.raw 2> /dev/null | wc -c)
  if [ "$sz" -ge 512 ] && [ "$sz" -lt 1048576 ]; then early=$at; break; fi
done
[ -n "$early" ] && custos-acquire -q --resume early/d.raw other.img 2> err
rc=$?
[ -n "$early" ] && [ $rc -eq 6 ] && grep -q "not the same medium" err && [ ! -e early/d.raw ]
check $? "another medium, less than one slot staged (kill at step ${early:-none}): exit 6"
custos-acquire -q --resume early/d.raw src.img && cmp -s early/d.raw ref/d.raw
check $? "the same medium, less than one slot staged: resumed = uninterrupted"

# ---- a staging directory in use (locked by a run) is not taken ----
if command -v flock > /dev/null; then
  flock run/.custos.incomplete-* custos-acquire -q --resume run/d.raw 2> err; rc=$?
  [ $rc -eq 6 ] && grep -q "another acquisition is writing there" err && [ ! -e run/d.raw ]
  check $? "a staging directory another run holds: exit 6"
fi

# ---- resumed twice ----
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=15 custos-acquire -q --resume run/d.raw \
  2> /dev/null
rc=$?
custos-acquire -q --resume run/d.raw; rc2=$?
[ $rc -eq 137 ] && [ $rc2 -eq 0 ] && cmp -s run/d.raw ref/d.raw &&
  [ "$(interruptions run/d.raw.acquire.json)" = 2 ] &&
  same_record ref/d.raw.acquire.json run/d.raw.acquire.json
check $? "killed, resumed and killed again, resumed: the image and record of one run, 2 interruptions"

# ---- a staged image damaged before the resumption ----
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=32 custos-acquire $ACQ src.img -o run/d.raw \
  2> /dev/null
staged=$(ls run/.custos.incomplete-*/d.raw)
chmod u+w "$staged"
flip "$staged" 5243500 # sector 10241
custos-acquire -q --resume run/d.raw; rc=$?
[ $rc -eq 0 ] && cmp -s run/d.raw ref/d.raw && [ "$(kept run/d.raw.acquire.json 0)" = 5242880 ]
check $? "a damaged staged image: kept up to the 1 MiB block of the damage (5 MiB), the rest re-read"

# a staged image cut short and torn (power loss): kept up to what is there
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=30 custos-acquire $ACQ src.img -o run/d.raw \
  2> /dev/null
staged=$(ls run/.custos.incomplete-*/d.raw)
truncate -s 7000000 "$staged"
custos-acquire -q --resume run/d.raw; rc=$?
[ $rc -eq 0 ] && cmp -s run/d.raw ref/d.raw && [ "$(kept run/d.raw.acquire.json 0)" = 6291456 ]
check $? "a staged image cut short mid-sector: its whole 1 MiB blocks kept, the rest re-read"

# ---- unreadable sectors: the same error map ----
export CUSTOS_FAULT_PATH="$work/src.img" CUSTOS_FAULT_SECTORS="20000-20007,50001,70000-70002"
mkdir refb
LD_PRELOAD="$fault" custos-acquire $ACQ src.img -o refb/d.raw > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ]; check $? "reference with unreadable sectors exits 3"
same_raw() { # RC
  [ "$1" -eq 3 ] && cmp -s run/d.raw refb/d.raw &&
    same_record refb/d.raw.acquire.json run/d.raw.acquire.json
}
unreadable_runs d.raw 8 same_raw
check $bad "unreadable sectors: killed at $tried of $steps steps, resumed: same image, same error map"
unset CUSTOS_FAULT_PATH CUSTOS_FAULT_SECTORS

# ---- the medium unplugged halfway (reads fail with ENODEV from sector 40000 on) ----
rm -rf run && mkdir run
LD_PRELOAD="$fault" CUSTOS_FAULT_PATH="$work/src.img" CUSTOS_FAULT_SECTORS="40000-81919" \
  CUSTOS_FAULT_ERRNO=19 custos-acquire $ACQ src.img -o run/d.raw > /dev/null 2> err
rc=$?
[ $rc -eq 7 ] && [ ! -e run/d.raw ] && grep -q -- "--resume run/d.raw" err &&
  [ -f run/.custos.incomplete-*/acquire-journal.json ]
check $? "a medium that goes away (ENODEV): exit 7, not mapped as bad sectors, kept for --resume"
custos-acquire -q --resume run/d.raw; rc=$?
[ $rc -eq 0 ] && cmp -s run/d.raw ref/d.raw && same_record ref/d.raw.acquire.json run/d.raw.acquire.json &&
  python3 -c 'import json,sys; i = json.load(open(sys.argv[1]))["interruptions"]; sys.exit(not (len(i) == 1 and "No such device" in i[0]["cause"]))' run/d.raw.acquire.json
check $? "plugged back, resumed: the image and record of one run; the cause is recorded"

# ---- --media-type is the interrupted run's: the journal keeps it ----
rm -rf run refm && mkdir run refm
custos-acquire $ACQ --media-type removable src.img -o refm/d.raw
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=25 custos-acquire $ACQ \
  --media-type removable src.img -o run/d.raw
custos-acquire -q --resume run/d.raw; rc=$?
[ $rc -eq 0 ] && cmp -s run/d.raw refm/d.raw && same_record refm/d.raw.acquire.json run/d.raw.acquire.json &&
  python3 -c 'import json,sys; s = json.load(open(sys.argv[1]))["source"]; sys.exit(not (s["media_type"] == "removable" and s["media_type_from"] == "option"))' run/d.raw.acquire.json
check $? "--media-type removable, killed and resumed: the record still says removable (option)"

# ---- a signed record on resumption ----
printf 'resume test\n' > k.pass
custos-key generate -q --name "Res Tester" --role custodian -o k.key --passphrase-file k.pass
rm -rf run && mkdir run
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=25 custos-acquire $ACQ src.img -o run/d.raw
custos-acquire -q --resume run/d.raw --key k.key --passphrase-file k.pass; rc=$?
[ $rc -eq 0 ] && [ -f run/d.raw.acquire.json.sig ] &&
  custos-verify -q -r run/d.raw.acquire.json --signer k.key.pub run/d.raw
check $? "--resume --key: the record is signed, and custos-verify --signer accepts it"

# ---- what cannot be resumed ----
custos-acquire -q --resume nothing.raw 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "nothing to resume" err; check $? "nothing to resume: exit 2"
rm -rf e && mkdir e
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=10 custos-acquire $ACQ src.img -o e/d.E01 \
  2> /dev/null
rc=$?
custos-acquire -q --resume e/d.E01 2> err; rc2=$?
[ $rc -eq 130 ] && [ $rc2 -eq 0 ] && ewfverify -q e/d.E01 > /dev/null 2>&1
check $? "an interrupted E01 is kept and resumed (acquire-resume-e01.sh checks it fully)"
custos-acquire -q --resume run/d.raw -f raw 2> err; rc=$?
[ $rc -eq 2 ]; check $? "--resume with an acquisition option: usage (exit 2)"
custos-acquire -q --resume run/d.raw -o run/e.raw 2> err; rc=$?
[ $rc -eq 2 ] && grep -q "only --key, --json, -q, SOURCE and the ledger" err
check $? "--resume with -o: usage (exit 2)"

# ---- several outputs (-o A -o B): no journal, removed when interrupted, not resumable ----
rm -rf m && mkdir m
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=int CUSTOS_CRASH_AT=20 custos-acquire $ACQ src.img \
  -o m/a.raw -o m/b.raw 2> /dev/null
rc=$?
custos-acquire -q --resume m/a.raw 2> err; rc2=$?
[ $rc -eq 130 ] && [ $rc2 -eq 2 ] && grep -q "nothing to resume.*several outputs" err &&
  [ -z "$(ls -A m)" ]
check $? "two raw outputs interrupted: both staging directories removed; --resume: exit 2, says several outputs cannot be resumed"
rm -rf m && mkdir m
LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=20 custos-acquire $ACQ src.img \
  -o m/a.raw -o m/b.raw 2> /dev/null
rc=$?
staged=$(ls -d m/.custos.incomplete-* 2> /dev/null | wc -l)
custos-acquire -q --resume m/b.raw 2> err; rc2=$?
[ $rc -eq 137 ] && [ "$staged" -eq 2 ] && ! ls m/.custos.incomplete-*/acquire-journal.json \
  > /dev/null 2>&1 && [ $rc2 -eq 2 ] && grep -q "several outputs" err && [ ! -e m/b.raw ]
check $? "two raw outputs killed: their staging directories hold no journal; --resume: exit 2"

echo "1..$n"
[ "$failed" -eq 0 ]
