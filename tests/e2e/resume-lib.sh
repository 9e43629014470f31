# shellcheck shell=sh
# Shared helpers of the custos-acquire --resume tests (acquire-resume.sh for
# raw images, acquire-resume-e01.sh), sourced in the scratch directory: the
# medium, the comparison of a resumed record with an uninterrupted one's,
# and the moments of a run to interrupt it at.

# A 40 MiB medium: random, zeros, random (the zeros make windows repeat).
resume_medium() { # FILE
  head -c 16777216 /dev/urandom > "$1"
  head -c 8388608 /dev/zero >> "$1"
  head -c 16777216 /dev/urandom >> "$1"
}

# Same record but for times, interruptions, the command line and paths (and,
# with "nofiles", the output files: an E01's segments hold the acquisition
# time and a random set identifier).
same_record() { # REF OUT [nofiles]
  python3 - "$1" "$2" "${3:-}" <<'EOF'
import json, sys
def norm(path):
    r = json.load(open(path))
    for k in ("started", "finished", "seconds", "interruptions", "command_line"):
        r.pop(k, None)
    r["verification"].pop("seconds", None)
    r["source"].pop("path", None); r["source"].pop("absolute_path", None)
    if sys.argv[3] == "nofiles":
        r["output"].pop("files")
    else:
        for f in r["output"]["files"]:
            f.pop("path")
    return r
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a != b:
    for k in a:
        if a.get(k) != b.get(k):
            print("# differs:", k, json.dumps(a.get(k))[:200], json.dumps(b.get(k))[:200])
    sys.exit(1)
EOF
}
interruptions() { # RECORD -> count
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["interruptions"]))' "$1"
}
# Inverts the byte at OFFSET: a change whatever byte the random source holds
# there (writing a fixed letter left the file equal once in 256 runs).
flip() { # FILE OFFSET
  python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}
kept() { # RECORD I -> bytes_kept of interruption I
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["interruptions"][int(sys.argv[2])]["bytes_kept"])' "$1" "$2"
}
points() { # K M -> M steps spread over 2..K
  awk -v k="$1" -v m="$2" 'BEGIN { for (i = 1; i <= m; i++) print int(1 + i * (k - 1) / (m + 1)) + 1 }' |
    sort -un
}
# resume_output OUT MODE AT: after a run interrupted (MODE at step AT) that
# published nothing, with its stderr in ./err: checks that the message says
# how to resume (not after a kill), then runs custos-acquire -q --resume OUT.
# Returns 0 when it resumed, 2 when there was nothing to resume yet (killed
# before the journal existed: a new run is the way), 1 (saying why) else.
resume_output() {
  if [ "$2" != kill ] && ! grep -q -- "--resume $1" err; then
    echo "# $2 at $3: the message does not say how to resume"; return 1
  fi
  custos-acquire -q --resume "$1" > out 2> err
  rc=$?
  if [ $rc -eq 2 ] && grep -q "nothing to resume" err; then
    echo "# $2 at $3: nothing to resume yet"; return 2
  fi
  [ $rc -eq 0 ] || { echo "# $2 at $3: resume exit $rc"; sed 's/^/#   /' err; return 1; }
}
# unreadable_runs OUT COUNT SAME: with the fault shim's unreadable sectors
# (CUSTOS_FAULT_PATH and CUSTOS_FAULT_SECTORS exported), acquisitions
# ($ACQ src.img -o run/OUT) killed at COUNT steps spread over a run, each
# resumed; SAME (a function, given the resumption's exit code) says whether
# the result is the reference's. Sets $tried, $bad and $steps.
unreadable_runs() {
  steps=$(LD_PRELOAD="$fault $shim" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" \
    custos-acquire $ACQ src.img -o "cnt2-$1" > /dev/null 2>&1; cat count)
  bad=0 tried=0
  for at in $(points "$steps" "$2"); do
    tried=$((tried + 1))
    rm -rf run && mkdir run
    LD_PRELOAD="$fault $shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$at \
      custos-acquire $ACQ src.img -o "run/$1" > /dev/null 2>&1
    LD_PRELOAD="$fault" custos-acquire -q --resume "run/$1" > /dev/null 2> err
    rc=$?
    if "$3" $rc; then :
    elif [ $rc -eq 2 ] || [ -e "run/$1" -a ! -e "run/$1.acquire.json" ]; then
      echo "# unreadable, kill at $at: before the journal or during publication"
    else
      echo "# unreadable, kill at $at: resume exit $rc"; sed 's/^/#   /' err; bad=$((bad + 1))
    fi
  done
}
