#!/bin/sh
# Crash consistency (issue 19 item 2): every writing tool is killed (SIGKILL)
# at its Nth write, fsync or rename, and made to fail there with ENOSPC (a
# full disk that stays full) and EIO (one bad write), through the
# LD_PRELOAD shim tests/fault/crash.c. The moments are step numbers, not
# sleeps: each case is first run once to count its steps, then replayed at
# chosen steps, so every result is reproducible.
#
# After each run:
#   - the ledger verifies, and the entries it held before are still its
#     first bytes; a torn last line is reported (exit 5, "torn") at the
#     offset where the old ledger ended, never dropped or accepted, and the
#     documented repair (head -c OFFSET) makes it verify again;
#   - every new name is either a complete output (checked by the case's own
#     validator) or a temporary name (*.incomplete-*), and the tools that
#     report leftovers name them on the re-run;
#   - after a kill, removing the temporary names and running again succeeds
#     (or refuses with 6 because the complete output is already there);
#   - under ENOSPC/EIO the tool exits 7 (SYSTEM; wipe: 1 when a write to the
#     medium failed) and publishes nothing, or exits 0 with complete outputs
#     (the failed step was retried or not needed).
#
# Default: up to 7 kill moments, 3 ENOSPC and 3 EIO moments per case, spread
# over the steps. CUSTOS_CRASH_FULL=1: every step of every case, by hand;
# CUSTOS_CRASH_ONLY="add sealdir": those cases; CUSTOS_CRASH_POINTS="3 17":
# those steps; CUSTOS_CRASH_KEEP=1 keeps the scratch directory.
set -u
# the shim is preloaded into sanitized tools: ASan must not insist on coming first
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8:verify_asan_link_order=0"
shim=${CUSTOS_CRASH_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
  echo "1..0 # SKIP no CUSTOS_CRASH_SHIM (run through meson test)"; exit 0
fi
full=${CUSTOS_CRASH_FULL:-0}
only=${CUSTOS_CRASH_ONLY:-}
work=$(mktemp -d); trap '[ -n "${CUSTOS_CRASH_KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0; kills=0; errs=0; cases=0; findings=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
note() { echo "# $*"; }

# ---- the template every run starts from ----
mkdir tmpl && cd tmpl || exit 1
for who in alice:custodian:Alice wendy:witness:Wendy vera:vendor:Vera olaf:vendor:Olaf \
           sam:vendor:Sam; do
  k=${who%%:*}; r=${who#*:}; r=${r%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "${who##*:}" --role "$r" -o "$k.key" --passphrase-file "$k.pass" ||
    exit 1
done
t() { printf '2026-11-20T%s:00Z' "$1"; }
L="-q -l c.ledger"
custos-ledger open $L --time "$(t 09:00)" --key alice.key --passphrase-file alice.pass \
  --case IR-9 --level 3 --authorisation "CISO-9" || exit 1
i=0
for p in wendy vera olaf sam; do
  i=$((i + 1))
  custos-ledger add --yes enroll $L --time "$(t 09:0$i)" --sign subject=$p.key \
    --sign approver=alice.key --passphrase-file $p.pass --passphrase-file alice.pass || exit 1
done
custos-ledger add --yes collect $L --time "$(t 10:00)" --sign custodian=alice.key \
  --passphrase-file alice.pass --item E-1 --description "disk E-1" --serial S1 || exit 1
custos-ledger add --yes collect $L --time "$(t 10:01)" --sign custodian=alice.key \
  --passphrase-file alice.pass --item E-2 --description "disk E-2" --serial S2 || exit 1
custos-dispose order -q --yes -l c.ledger --order-id DO-9 --item E-2 --media-type E-2=ssd \
  --vendor-organisation "Vera Ltd." --sign releaser=alice.key --party receiver=vera.key.pub \
  --passphrase-file alice.pass --time "$(t 11:00)" -o order.json > /dev/null || exit 1
custos-ledger propose note -q -l c.ledger --party author=alice.key.pub --text "proposed" \
  -o n.prop || exit 1
cp n.prop signed.prop
custos-ledger sign -q --yes signed.prop --key alice.key --passphrase-file alice.pass || exit 1
mkdir ev ev/sub
head -c 300000 /dev/urandom > ev/a.bin
printf '證據 %s\n' 1 2 3 > "ev/sub/筆記.txt"
printf 'x\n' > ev/b.txt
custos-hash -q -o m.json ev > /dev/null || exit 1
head -c 1048576 /dev/urandom > disk.bin
head -c 524288 /dev/zero >> disk.bin
head -c 1000000 /dev/urandom > wipe.img
convert -size 8x8 xc:red before.png && convert -size 8x8 xc:blue after.jpg || exit 1
cat > draft.json <<'JSON'
{"certificate_id": "VS-9", "contract": "PO 9",
 "owner": {"name": "Example Corp", "address": "Taipei"},
 "vendor": {"name": "Vera Ltd.", "address": "Keelung"},
 "attestation": "We certify that the media listed were destroyed as described.",
 "custody": {"received_by": "Vera", "received_at": "2026-11-20T11:30:00Z"},
 "items": [
  {"id": "E-2", "serial": "S2", "media_type": "ssd", "category": "destroy", "method": "shred",
   "standard": "DIN 66399", "level": "H-5", "tool": "HSM", "verification": "visual",
   "result": "destroyed", "time": "2026-11-21T09:00:00Z", "location": "Keelung",
   "destination": "recycler"}],
 "people": {"performer": {"title": "operator"}, "verifier": {"title": "supervisor"},
            "witness": {"title": "auditor"}},
 "attachments": [
  {"file": "before.png", "kind": "photo_before", "items": ["E-2"]},
  {"file": "after.jpg", "kind": "photo_after", "items": ["E-2"]}]}
JSON
custos-acquire -q --no-authorisation disk.bin -o src.E01 > /dev/null || exit 1
mkdir img
# an organisation's transparency log that already holds another case's ledger
echo "passphrase of logk" > logk.pass
custos-key generate -q --name "Example Corp log" --role custodian -o logk.key \
  --passphrase-file logk.pass || exit 1
custos-ledger open -q -l o.ledger --time "$(t 09:00)" --key alice.key --passphrase-file alice.pass \
  --case IR-8 --level 2 --authorisation "CISO-8" || exit 1
custos-ledger publish -l o.ledger --log log2 --key logk.key --passphrase-file logk.pass \
  --origin example.org/log > pub.out || exit 1
sed -n 's/^verifier key: //p' pub.out > log.vkey && [ -s log.vkey ] || exit 1
custos-ledger verify -q -l o.ledger --log log2 --log-key log.vkey --log-state log2.state || exit 1
cp log2/checkpoint log2.checkpoint
cd .. || exit 1
# the template's ledger awaits the vendor's attest of the order's transfer: exit 3
custos-ledger verify -q -l tmpl/c.ledger > /dev/null 2>&1; base=$?
find tmpl | sed 's|^tmpl|.|' | sort > tmpl.list

# ---- the cases: run_X runs the tool, out_X lists its final outputs, ok_X checks them ----
S3="--sign performer=olaf.key --sign verifier=sam.key --sign witness=wendy.key \
    --passphrase-file olaf.pass --passphrase-file sam.pass --passphrase-file wendy.pass"
run_add() { custos-ledger add --yes note -q -l c.ledger --sign author=alice.key \
  --passphrase-file alice.pass --time 2026-11-20T12:00:00Z --text "crash note"; }
out_add() { :; }
ok_add() { :; }
run_propose() { custos-ledger propose note -q -l c.ledger --party author=alice.key.pub \
  --text "p2" -o p2.prop; }
out_propose() { echo p2.prop; }
ok_propose() { custos-ledger show-proposal -l c.ledger p2.prop > /dev/null 2>&1; }
run_sign() { custos-ledger sign -q --yes n.prop --key alice.key --passphrase-file alice.pass; }
out_sign() { :; }
ok_sign() { :; }
repair_sign() { # a torn signature line is reported with its offset, cut as in a ledger
  custos-ledger show-proposal n.prop > /dev/null 2> ../rp.err && return 0
  off=$(sed -n 's/.*torn last line at byte \([0-9]*\).*/\1/p' ../rp.err)
  [ -n "$off" ] || { note "sign: the proposal is damaged: $(cat ../rp.err)"; return 1; }
  torn=$((torn + 1)); head -c "$off" n.prop > ../n.cut && cat ../n.cut > n.prop
}
run_commit() { custos-ledger commit -q signed.prop -l c.ledger; }
out_commit() { :; }
ok_commit() { :; }
run_checkpoint() { custos-ledger checkpoint -q -l c.ledger --key alice.key \
  --passphrase-file alice.pass -o cp; }
out_checkpoint() { echo cp; }
ok_checkpoint() { custos-ledger verify -q -l c.ledger --checkpoint cp > /dev/null 2>&1
  [ $? -eq "$base" ]; }
run_raw() { custos-acquire -q --no-authorisation -d sha256 disk.bin -o img/d.raw; }
out_raw() { echo img/d.raw img/d.raw.acquire.json; }
ok_raw() { cmp -s disk.bin img/d.raw && custos-verify -q -r img/d.raw.acquire.json img/d.raw \
  > /dev/null 2>&1; }
run_e01() { custos-acquire -q --no-authorisation -d sha256 -s 1M disk.bin -o img/d.E01; }
out_e01() { ls img/d.E* img/d.E01.acquire.json 2> /dev/null | grep -v incomplete; }
ok_e01() { ewfverify -q img/d.E01 > /dev/null 2>&1 &&
  custos-verify -q -r img/d.E01.acquire.json img/d.E01 > /dev/null 2>&1; }
run_fromE01() { custos-acquire -q --no-authorisation -d sha256 src.E01 -o img/f.raw; }
out_fromE01() { echo img/f.raw img/f.raw.acquire.json; }
ok_fromE01() { cmp -s disk.bin img/f.raw; }
run_sealdir() { custos-seal create -q --yes --key alice.key --passphrase-file alice.pass \
  --sign witness=wendy.key --passphrase-file wendy.pass --evidence E-1 --seal S-1 -l c.ledger \
  --format dir -o pkg ev; }
out_sealdir() { echo pkg; }
ok_sealdir() { custos-seal verify -q pkg > /dev/null 2>&1; }
# sealed and published, but a witness's cosignature failed (exit 7, "sealed, but not
# signed by every witness"): verify says incomplete (exit 3), never complete
honest_sealdir() { custos-seal verify -q pkg > /dev/null 2>&1; [ $? -eq 3 ]; }
run_sealtar() { custos-seal create -q --yes --key alice.key --passphrase-file alice.pass \
  --case X --authorisation A --evidence E-1 --seal S-1 -o pkg.tar ev; }
out_sealtar() { echo pkg.tar; }
ok_sealtar() { custos-seal verify -q pkg.tar > /dev/null 2>&1; }
run_sealzip() { custos-seal create -q --yes --key alice.key --passphrase-file alice.pass \
  --case X --authorisation A --evidence E-1 --seal S-1 -o pkg.zip ev; }
out_sealzip() { echo pkg.zip; }
ok_sealzip() { custos-seal verify -q pkg.zip > /dev/null 2>&1; }
run_certify() { custos-dispose certify -q --yes --order order.json --draft draft.json $S3 -o proof.tar; }
out_certify() { echo proof.tar; }
ok_certify() { custos-dispose verify -q proof.tar --order order.json > /dev/null 2>&1; }
run_wipe() { custos-dispose wipe -q --confirm wipe.img --key vera.key --passphrase-file vera.pass \
  --log w.json wipe.img; }
out_wipe() { echo w.json w.json.sig; }
ok_wipe() { [ -s w.json.sig ] && python3 -c 'import json; json.load(open("w.json"))' 2> /dev/null; }
run_hash() { custos-hash -q -o m2.json ev; }
out_hash() { echo m2.json; }
ok_hash() { custos-verify -q -r m2.json ev > /dev/null 2>&1; }
run_verify() { custos-verify -q -r m.json -o rep.json ev; }
out_verify() { echo rep.json; }
ok_verify() { python3 -c 'import json,sys; r=json.load(open("rep.json")); sys.exit(0 if r else 1)'; }
# publish to a new log: tiles may stay behind a kill, the checkpoint is the one output
run_publish() { custos-ledger publish -q -l c.ledger --log log --key logk.key \
  --passphrase-file logk.pass --origin example.org/log; }
out_publish() { echo log/checkpoint; }
area_publish() { echo log; }
# killed between the checkpoint and the ledger's index: the entries are in the log but not
# yet named by the index, verify says so (exit 3), and the next publish appends them again
# (ledger_publish.c); the tool resumes over its own log, nobody removes it
honest_publish() { custos-ledger verify -q -l c.ledger --log log --log-key log.vkey \
  > /dev/null 2>&1; [ $? -eq 3 ]; }
resume_publish() { :; }
ok_publish() { custos-ledger verify -q -l c.ledger --log log --log-key log.vkey > /dev/null 2>&1; }
# publish to the log that holds o.ledger: whatever happens, that log stays consistent with
# the checkpoint seen before (no fork, o.ledger still proven); a finished run also proves c.ledger
run_publish2() { custos-ledger publish -q -l c.ledger --log log2 --key logk.key \
  --passphrase-file logk.pass; }
out_publish2() { echo log2/checkpoint; }
area_publish2() { echo log2; }
ok_publish2() {
  cp log2.state ../st && custos-ledger verify -q -l o.ledger --log log2 --log-key log.vkey \
    --log-state ../st > /dev/null 2>&1 || return 1
  [ -z "${CRASH_STRICT:-}" ] && cmp -s log2/checkpoint log2.checkpoint && return 0
  custos-ledger verify -q -l c.ledger --log log2 --log-key log.vkey > /dev/null 2>&1
}
honest_publish2() {
  cp log2.state ../st && custos-ledger verify -q -l o.ledger --log log2 --log-key log.vkey \
    --log-state ../st > /dev/null 2>&1 || return 1
  custos-ledger verify -q -l c.ledger --log log2 --log-key log.vkey > /dev/null 2>&1
  [ $? -eq 3 ]
}
resume_publish2() { :; }
# cases that print a leftover of an earlier run when run again
reports_leftovers="raw e01 fromE01 sealdir sealtar sealzip"
all="add propose sign commit checkpoint publish publish2 raw e01 fromE01 sealdir sealtar sealzip certify wipe hash verify"

# ---- the checks after each run ----
ledger_check() { # CASEDIR WHAT -> 0 when the ledger holds every old entry and verifies (or is torn at the end)
  old=$(wc -c < tmpl/c.ledger)
  if ! cmp -s -n "$old" tmpl/c.ledger "$1/c.ledger"; then
    note "$2: the ledger lost or changed committed bytes"; return 1
  fi
  custos-ledger verify -l "$1/c.ledger" --json > "$1.v" 2> /dev/null; vr=$?
  [ $vr -eq "$base" ] && return 0
  # the documented repair: the report gives the torn line's byte offset
  off=$(python3 -c 'import json,re,sys; r=json.load(open(sys.argv[1])); m=[re.search(r"torn last line at byte ([0-9]+)", f["message"]) for f in r["findings"]]; m=[x for x in m if x]; print(m[0].group(1) if r.get("torn") and m else -1)' "$1.v" 2> /dev/null)
  if [ $vr -eq 5 ] && [ -n "$off" ] && [ "$off" -ge "$old" ]; then
    torn=$((torn + 1))
    head -c "$off" "$1/c.ledger" > "$1/c.ledger.cut" && cat "$1/c.ledger.cut" > "$1/c.ledger" &&
      rm "$1/c.ledger.cut"
    custos-ledger verify -q -l "$1/c.ledger" > /dev/null 2>&1; [ $? -eq "$base" ] && return 0
    note "$2: the ledger cut at the reported torn offset $off does not verify"; return 1
  fi
  note "$2: the ledger does not verify (exit $vr) and is not reported torn at its end"
  return 1
}
new_names() { # CASEDIR: the names that were not in the template
  (cd "$1" && find . | sort) | comm -13 tmpl.list - | grep -v -e '/c\.ledger\.v$'
}
outputs_check() { # CASE CASEDIR WHAT RC -> checks names, prints leftovers count
  c=$1 d=$2 what=$3 rc=$4
  outs=$(cd "$d" && out_$c)
  bad=0 present=0 left=0 honest=0
  for f in $(new_names "$d"); do
    case "$f" in
      *incomplete*/*) continue ;;
      *incomplete*) left=$((left + 1)); continue ;;
    esac
    is_out=0
    for o in $outs; do
      case "$f" in ./$o | ./$o/*) is_out=1 ;; esac
    done
    if command -v area_$c > /dev/null; then # a directory the tool keeps its work in
      for a in $(area_$c); do case "$f" in ./$a | ./$a/*) is_out=1 ;; esac; done
    fi
    [ $is_out -eq 1 ] || { note "$what: unexpected name $f"; bad=1; }
  done
  for o in $outs; do [ -e "$d/$o" ] && present=$((present + 1)); done
  if [ $present -gt 0 ] && [ "$rc" -ne 0 ] || [ $present -gt 0 ]; then
    if ! (cd "$d" && ok_$c); then
      # a partial set: acquire publishes the image before its record, wipe the log before .sig
      if command -v honest_$c > /dev/null && (cd "$d" && honest_$c); then
        partial=$((partial + 1)); honest=1
        note "$what: published and reported incomplete by its verifier"
      else case "$c" in
        raw | e01 | fromE01 | wipe) partial=$((partial + 1))
          note "$what: $present of $(echo $outs | wc -w) outputs published (a set cut between renames)" ;;
        *) note "$what: an output is published but not complete"; bad=1 ;;
      esac; fi
    fi
  fi
  leftovers=$left
  return $bad
}

points() { # K HOWMANY -> step numbers 1..K, spread (every one when full)
  awk -v k="$1" -v m="$2" -v full="$full" 'BEGIN {
    if (full == "1" || k <= m) { for (i = 1; i <= k; i++) print i; exit }
    for (i = 0; i < m; i++) { p = 1 + int(i * (k - 1) / (m - 1) + 0.5); if (p != last) print p; last = p } }'
}

torn=0; partial=0; leftovers=0; left_total=0; reported=0
for c in $all; do
  if [ -n "$only" ]; then case " $only " in *" $c "*) ;; *) continue ;; esac; fi
  cases=$((cases + 1))
  rm -rf run && cp -a tmpl run
  (cd run && export LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=count CUSTOS_CRASH_COUNT="$work/count" &&
    run_$c > ../out 2> ../err)
  rc=$?
  k=$(cat count 2> /dev/null || echo 0)
  if [ $rc -ne 0 ] || [ "$k" -lt 1 ]; then
    fail "$c: runs cleanly under the shim ($k steps, exit $rc)"; sed 's/^/#   /' err; continue
  fi
  (cd run && CRASH_STRICT=1 ok_$c) && ledger_check run "$c" && pass "$c: a clean run ($k steps) is complete" ||
    fail "$c: a clean run ($k steps) is complete"
  for mode in kill enospc eio; do
    case $mode in kill) m=7 ;; *) m=3 ;; esac
    good=0 tried=0
    for at in ${CUSTOS_CRASH_POINTS:-$(points "$k" $m)}; do
      what="$c $mode at step $at of $k"
      tried=$((tried + 1))
      rm -rf run && cp -a tmpl run
      (cd run && export LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=$mode CUSTOS_CRASH_AT=$at &&
        run_$c > ../out 2> ../err)
      rc=$?
      ok=1
      case $mode in
        kill)
          kills=$((kills + 1))
          [ $rc -eq 137 ] || [ $rc -eq 0 ] || { note "$what: exit $rc, not killed"; ok=0; } ;;
        *)
          errs=$((errs + 1))
          want=7; [ "$c" = wipe ] && want="7 1"
          case " $want 0 " in *" $rc "*) ;; *) note "$what: exit $rc, want $want"; ok=0 ;; esac
          if [ $rc -ne 0 ] && [ "$rc" -ne 1 ] && ! grep -q . err; then note "$what: no message"; ok=0; fi ;;
      esac
      ledger_check run "$what" || ok=0
      outputs_check "$c" run "$what" "$rc" || ok=0
      # seal create -l: the package is published before its ledger entry is appended, and a
      # failed append says "sealed, but the ledger entry was not appended" (custos-seal.1)
      if [ $mode != kill ] && [ $rc -eq 7 ] && grep -q "sealed, but" err; then
        partial=$((partial + 1)); honest=1
      fi
      if [ $mode != kill ] && [ $rc -eq 7 ] && [ $honest -eq 0 ]; then
        for o in $(cd run && out_$c); do
          [ -e "run/$o" ] && ! cmp -s "run/$o" "tmpl/$o" &&
            { note "$what: exit 7 but $o is published"; ok=0; }
        done
      fi
      if [ $mode = kill ] && [ $rc -eq 137 ]; then
        left_total=$((left_total + leftovers))
        # the re-run: tools that scan for leftovers name them; then clean and run again
        if [ "$leftovers" -gt 0 ]; then
          case " $reports_leftovers " in *" $c "*)
            (cd run && run_$c > ../out 2> ../err)
            if grep -q "interrupted run" err; then reported=$((reported + 1))
            else note "$what: the leftover is not reported on the re-run"; ok=0; fi
            rm -rf run && cp -a tmpl run
            (cd run && export LD_PRELOAD="$shim" CUSTOS_CRASH_MODE=kill CUSTOS_CRASH_AT=$at &&
              run_$c > /dev/null 2>&1) ;;
          esac
        fi
        if command -v repair_$c > /dev/null; then
          cd run && { repair_$c || ok=0; } && cd ..
        fi
        (cd run && find . -name '*incomplete*' -prune -exec rm -rf {} +)
        published=0
        for o in $(cd run && out_$c); do [ -e "run/$o" ] && published=1; done
        if [ $published -eq 1 ] && ! command -v resume_$c > /dev/null && ! (cd run && ok_$c); then
          (cd run && for o in $(out_$c); do rm -rf "$o"; done)   # a partial set, removed by hand
          published=0
        fi
        (cd run && run_$c > ../out 2> ../err)
        rr=$?
        if [ $published -eq 1 ] && [ $rr -eq 6 ]; then :
        elif [ $rr -eq 0 ] && (cd run && CRASH_STRICT=1 ok_$c) && ledger_check run "$what (re-run)"; then :
        else
          # sign and commit: done already when the kill came after the entry landed
          case "$c:$rr" in
            sign:6 | commit:4 | commit:6) : ;;
            *) note "$what: the re-run exits $rr"; sed 's/^/#   /' err; ok=0 ;;
          esac
        fi
      fi
      if [ $ok -eq 1 ]; then good=$((good + 1)); else findings=$((findings + 1)); fi
    done
    [ $good -eq $tried ] && pass "$c: $mode at $tried of $k steps" ||
      fail "$c: $mode at $tried of $k steps ($((tried - good)) wrong)"
  done
done
echo "# crash matrix: $cases cases, $kills kills, $errs failed writes, $torn torn ledger tails reported,"
echo "#   $partial partial output sets, $left_total temporary leftovers ($reported reported on re-run), $findings findings"
echo "1..$n"
[ $failed -eq 0 ]
