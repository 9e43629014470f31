#!/bin/sh
# The incident-site scenario of issue 13, as people live it, in 6 commands:
# open the case, enrol the witness and the lab's receiver (one command),
# collect and image one USB stick (the witness signs after the digests are
# shown), seal it, transfer it to the lab, and the legal team's audit.
# Keys exist beforehand. Each interactive step runs on a pseudo-terminal
# (drive.py): passphrases are answered by the key the prompt names, "[y/N]"
# with y. The test fails if a step asks anybody's passphrase twice, or if a
# signer is not shown the entry and asked to confirm it before signing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

for who in alice carol dave; do echo "passphrase of $who" >"$who.pass"; done
custos-key generate -q --name "陳志明 Alice" --role custodian -o alice.key --passphrase-file alice.pass &&
custos-key generate -q --name "林淑芬 Carol" --role witness -o carol.key --passphrase-file carol.pass &&
custos-key generate -q --name "王大同 Dave" --role custodian -o dave.key --passphrase-file dave.pass ||
    { fail "make the keys (beforehand, not counted)"; finish; }
# The USB stick: a small FAT image.
truncate -s 16M usb.img && mkfs.vfat -n USB usb.img >/dev/null &&
    printf 'ransom note\n' >note.txt && MTOOLS_SKIP_CHECK=1 mcopy -i usb.img note.txt ::NOTE.TXT ||
    { fail "make the USB image"; finish; }
mkdir -p case/E-1

# drive.py TRANSCRIPT -- CMD...: runs CMD on a pty, answers "Passphrase for
# NAME.key" with NAME's passphrase and "[y/N]" with y; writes the transcript
# and, on stdout, one line per prompt: "pass NAME" or "ask WHO SHOWN" where
# SHOWN is 1 when the entry in plain language was on screen since the last
# entry was appended.
cat >drive.py <<'PYEOF'
import os, pty, re, select, sys
out = sys.argv[1]; cmd = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen = b""; done = 0; log = []
while True:
    r, _, _ = select.select([fd], [], [], 600)
    if not r:
        os.kill(pid, 9); break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    while True:
        m = re.compile(rb"[Pp]assphrase for ([^\s:]+?)\.key: |(\S+) ([^\n]*?): sign this[^\n]*\[y/N\] ").search(seen, done)
        if not m:
            break
        done = m.end()
        if m.group(1):
            name = os.path.basename(m.group(1).decode())
            log.append("pass " + name)
            os.write(fd, b"passphrase of " + name.encode() + b"\n")
        else:
            # the entry in plain language since the last entry was appended
            ends = [a.end() for a in re.finditer(rb"appended", seen[:m.start()])]
            since = seen[ends[-1] if ends else 0:m.start()]
            shown = b"summary:" in since and b"entry SHA-256" in since
            log.append("ask %s %d" % (m.group(2).decode(), shown))
            os.write(fd, b"y\n")
_, st = os.waitpid(pid, 0)
open(out, "wb").write(seen)
print("\n".join(log))
sys.exit(os.waitstatus_to_exitcode(st))
PYEOF
steps=0
# step NAME WANT_PASS WANT_ASKS -- CMD...: runs one step on a pty; WANT_PASS
# is the sorted list of passphrase prompts it must show (each person once),
# WANT_ASKS the number of confirmations, each after the entry was shown.
step() {
    name=$1 want_pass=$2 want_asks=$3; shift 4
    steps=$((steps + 1))
    "$PY" drive.py "t$steps.txt" -- "$@" >"p$steps.txt"
    rc=$?
    if [ $rc -eq 0 ]; then pass "step $steps: $name"
    else fail "step $steps: $name (exit $rc)" "$(tail -n 8 "t$steps.txt")"; fi
    is "  step $steps: each person asked for their passphrase once" \
        "$(sed -n 's/^pass //p' "p$steps.txt" | sort | tr '\n' ' ')" "$want_pass"
    is "  step $steps: confirmations" "$(grep -c '^ask ' "p$steps.txt")" "$want_asks"
    is "  step $steps: nobody signs blind (the entry shown before each question)" \
        "$(grep '^ask ' "p$steps.txt" | grep -c ' 0$')" 0
}
L=case/case.ledger
step "open the case" "alice " 0 -- custos-ledger open -l $L --key alice.key --case C-2026-017 \
    --level 3 --authorisation "北檢 2026 偵字 17"
step "enrol the witness and the lab's receiver" "alice carol dave " 4 -- custos-ledger add enroll \
    -l $L --sign subject=carol.key --sign subject=dave.key --sign approver=alice.key
step "collect and image the USB stick" "alice carol " 4 -- custos-acquire -q -l $L --key alice.key \
    --sign witness=carol.key --item E-1 --collect --description "USB 隨身碟 (現場主機)" \
    --serial 4C530001 usb.img -o case/E-1/usb.E01
check "  the witness confirmed the acquire entry after its digests were shown" \
    grep -q "image_sha256 *$(sha256 usb.img)" t3.txt
step "seal it" "alice carol " 2 -- custos-seal create -q -l $L --key alice.key \
    --sign witness=carol.key --evidence E-1 --seal TE-1 -o case/E-1.tar case/E-1
step "transfer to the lab" "alice dave " 2 -- custos-ledger add transfer -l $L \
    --sign releaser=alice.key --sign receiver=dave.key --item E-1 --reason "to the forensic lab" \
    --seal-checked "TE-1 intact"
steps=$((steps + 1))
run 0 "step $steps: the legal team's audit" custos-ledger audit -l $L
check "  every artifact checks out" grep -q "result:    OK: 5 of 5 artifacts check out" out
check "  the record's signature is checked" grep -q "signature .*OK" out
is "the scenario takes 6 commands" "$steps" 6
check "custos-ledger verify passes" custos-ledger verify -q -l $L
finish
