#!/bin/sh
# One interface across the seven tools (issue 13 item 7), audited:
#   - every tool's --help lists -h/--help, -V/--version and -q/--quiet with
#     the same meaning text; -l is --ledger and -v is --verbose wherever a
#     tool has them; one spelling for case/evidence/item/organisation;
#   - -V and --version print "TOOL VERSION" and exit 0;
#   - -q prints nothing but errors (nothing at all on success);
#   - --json prints one JSON document (python3's json module parses it) whose
#     top-level object carries the common result key "status";
#   - a missing detached signature (.sig) exits 4 (UNTRUSTED), as
#     docs/exit-codes.md says, never 7 (SYSTEM).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

tools="key ledger acquire hash seal verify dispose"
version=$(custos-key -V | cut -d' ' -f2)

# --- help and common options ---------------------------------------------------
for t in $tools; do
    T=custos-$t
    if $T --help >help.$t 2>err; then pass "$T --help exits 0"; else fail "$T --help exits 0" "$(cat err)"; fi
    for want in '-h, --help +print this help$' '-V, --version +print the version$' \
        '-q, --quiet +print nothing but errors'; do
        if grep -Eq "^ +$want" help.$t; then pass "$T --help: ${want%% +*}"
        else fail "$T --help: ${want%% +*} with the common text" "$(grep -E -- "${want%%,*}|${want%% +*}" help.$t)"; fi
    done
    # -l and -v: one meaning each.
    if grep -Eq '^ +-l, ' help.$t; then
        if grep -Eq '^ +-l, --ledger ' help.$t; then pass "$T: -l is --ledger"
        else fail "$T: -l is --ledger" "$(grep -E '^ +-l, ' help.$t)"; fi
    fi
    if grep -Eq '^ +-v, ' help.$t; then
        if grep -Eq '^ +-v, --verbose' help.$t; then pass "$T: -v is --verbose"
        else fail "$T: -v is --verbose" "$(grep -E '^ +-v, ' help.$t)"; fi
    fi
    # One spelling: --case, --evidence, --item, --organisation.
    bad=$(grep -Eo -- '--(organization|case-number|case-id|evidence-number|exhibit|item-id)\b' help.$t | sort -u | tr '\n' ' ')
    if [ -z "$bad" ]; then pass "$T: one spelling for case/evidence/item/organisation"
    else fail "$T: one spelling for case/evidence/item/organisation" "listed: $bad"; fi
    for v in -V --version; do
        out=$($T $v 2>&1); rc=$?
        is "$T $v" "$rc $out" "0 $T $version"
    done
done
# Every subcommand: --help exits 0 and lists the common options; -V works after it.
for ts in "key generate" "key show" "key sign" "key verify" "ledger open" "ledger verify" \
    "ledger status" "ledger show" "ledger audit" "ledger export" "ledger checkpoint" \
    "seal create" "seal verify" "seal cosign" "seal extract" \
    "dispose order" "dispose certify" "dispose verify"; do
    set -- $ts
    out=$(custos-$1 "$2" --help 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -Eq '^ +-q, --quiet +print nothing but errors' &&
        printf '%s\n' "$out" | grep -Eq '^ +-V, --version +print the version$'; then
        pass "custos-$ts --help: the common options"
    else fail "custos-$ts --help: the common options" "exit $rc"; fi
    out=$(custos-$1 "$2" -V 2>&1); rc=$?
    is "custos-$ts -V" "$rc $out" "0 custos-$1 $version"
done
# One short option, one long option: across every tool's and subcommand's --help,
# a letter means the same long option everywhere (custos-dispose wipe had -k for
# --key while custos-hash's -k is --known).
for t in key ledger acquire hash seal verify dispose; do cat help.$t; done > allhelp
for ts in "key generate" "key show" "key sign" "key verify" "ledger open" "ledger verify" \
    "ledger status" "ledger show" "ledger audit" "ledger export" "ledger checkpoint" \
    "seal create" "seal verify" "seal cosign" "seal extract" \
    "dispose order" "dispose certify" "dispose verify" "dispose wipe"; do
    set -- $ts
    custos-$1 "$2" --help >> allhelp 2>&1
done
clash=$(grep -Eo '^ +-[A-Za-z], --[a-z-]+' allhelp | sed 's/^ *//' | sort -u |
    awk -F', ' '{ n[$1]++; l[$1] = l[$1] " " $2 } END { for (k in n) if (n[k] > 1) print k ":" l[k] }')
if [ -z "$clash" ]; then pass "every short option means one long option in all seven tools"
else fail "every short option means one long option in all seven tools" "$clash"; fi

# custos-ledger add ACTION --help is that action's policy (issue 13 item 4).
custos-ledger add note --help >out 2>&1
if grep -q '^required fields:' out; then pass "custos-ledger add note --help: the action's policy"
else fail "custos-ledger add note --help: the action's policy" "$(head -c 300 out)"; fi
# Subcommands' own --help (dispose wipe has options of its own).
custos-dispose wipe --help >help.wipe 2>err
is "custos-dispose wipe --help exits 0" "$?" 0
for want in '-q, --quiet +print nothing but errors' '-V, --version +print the version$'; do
    if grep -Eq "^ +$want" help.wipe; then pass "dispose wipe --help: ${want%% +*}"
    else fail "dispose wipe --help: ${want%% +*} with the common text" "$(grep -E -- "${want%%,*}" help.wipe)"; fi
done
if grep -Eq '^ +-l, ' help.wipe && ! grep -Eq '^ +-l, --ledger' help.wipe; then
    fail "dispose wipe: -l is --ledger" "$(grep -E '^ +-l, ' help.wipe)"
else pass "dispose wipe: -l is --ledger or absent"; fi
# The accepted spellings work: --case and --evidence for every tool that takes them.
for t in acquire seal ledger; do
    if grep -q -- '--case ' help.$t || [ "$t" = acquire ]; then
        custos-$t --case >/dev/null 2>err; rc=$?
        if grep -q 'unknown option' err; then fail "custos-$t accepts --case" "$(cat err)"
        else pass "custos-$t accepts --case"; fi
    fi
done
custos-acquire --evidence >/dev/null 2>err
if grep -q 'unknown option' err; then fail "custos-acquire accepts --evidence" "$(cat err)"
else pass "custos-acquire accepts --evidence"; fi

# --- fixtures ------------------------------------------------------------------------
echo "passphrase of alice" >alice.pass
echo "passphrase of carol" >carol.pass
custos-key generate -q --name "陳志明 Alice" --role custodian -o alice.key --passphrase-file alice.pass &&
    custos-key generate -q --name "林淑芬 Carol" --role witness -o carol.key --passphrase-file carol.pass ||
    { fail "make the keys"; finish; }
mkdir ev && head -c 70000 /dev/urandom >ev/d.bin && cp ev/d.bin d.bin
custos-ledger open -q -l c.ledger --key alice.key --passphrase-file alice.pass --case C-7 \
    --level 3 --authorisation "order 7" || fail "open the ledger"

# jsonok NAME FILE: FILE is one JSON object with the common key "status".
jsonok() {
    if "$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if isinstance(d, dict) and isinstance(d.get("status"), str) else 3)' "$2" 2>/dev/null; then
        pass "$1: --json is one document with \"status\""
    else fail "$1: --json is one document with \"status\"" "$(head -c 300 "$2")"; fi
}
# jrun NAME WANT CMD...: runs CMD (with --json in it) and checks exit and document.
jrun() {
    name=$1 want=$2; shift 2
    "$@" >j.out 2>j.err; rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name (exit $want)"
    else fail "$name (exit $want)" "exit $rc: $(head -c 300 j.err)"; fi
    jsonok "$name" j.out
}
# qrun NAME CMD...: with -q, a successful run prints nothing at all.
qrun() {
    name=$1; shift
    "$@" >q.out 2>q.err; rc=$?
    if [ "$rc" -eq 0 ] && [ ! -s q.out ] && [ ! -s q.err ]; then pass "$name: -q prints nothing"
    else fail "$name: -q prints nothing" "exit $rc; stdout: $(head -c 200 q.out)" "stderr: $(head -c 200 q.err)"; fi
}

# --- custos-key -------------------------------------------------------------------
jrun "key generate" 0 custos-key generate --json --name "王 Dave" --role custodian -o dave.key \
    --passphrase-file alice.pass
jrun "key show" 0 custos-key show --json alice.key.pub
jrun "key sign" 0 custos-key sign --json --key alice.key --purpose manifest --passphrase-file alice.pass \
    -o d.sig d.bin
jrun "key verify" 0 custos-key verify --json --key alice.key.pub --purpose manifest --signature d.sig d.bin
qrun "key show" custos-key show -q alice.key.pub
qrun "key sign" custos-key sign -q --key alice.key --purpose manifest --passphrase-file alice.pass -o d2.sig d.bin
qrun "key verify" custos-key verify -q --key alice.key.pub --purpose manifest --signature d.sig d.bin

# --- custos-hash -------------------------------------------------------------------
jrun "hash" 0 custos-hash --json -o m.json ev
jrun "hash --audit" 0 custos-hash --json -A m.json ev
qrun "hash" custos-hash -q -o mq.json ev
qrun "hash --audit" custos-hash -q -A m.json ev

# --- custos-acquire and custos-verify -----------------------------------------------
jrun "acquire" 0 custos-acquire --json --no-authorisation d.bin -o a.raw
qrun "acquire" custos-acquire -q --no-authorisation d.bin -o aq.raw
rec=$(ls a.raw*.json 2>/dev/null | head -n 1)
jrun "verify" 0 custos-verify --json -r m.json ev
qrun "verify" custos-verify -q -r m.json ev

# --- custos-seal ----------------------------------------------------------------------
jrun "seal create" 0 custos-seal create --json --yes --key alice.key --passphrase-file alice.pass \
    --case C-7 --authorisation "order 7" --evidence E-1 --seal S-1 -o p.tar ev
jrun "seal verify" 0 custos-seal verify --json p.tar
qrun "seal verify" custos-seal verify -q p.tar

# --- custos-ledger --------------------------------------------------------------------
jrun "ledger verify" 0 custos-ledger verify --json -l c.ledger
jrun "ledger status" 0 custos-ledger status --json c.ledger
jrun "ledger show" 0 custos-ledger show --json -l c.ledger
jrun "ledger audit" 0 custos-ledger audit --json -l c.ledger
qrun "ledger verify" custos-ledger verify -q -l c.ledger
# -q with --json: the document only, still with "status".
jrun "ledger add -q" 0 custos-ledger add note -q --json --yes -l c.ledger --sign author=alice.key \
    --passphrase-file alice.pass --text "a note"
jrun "ledger export -q" 0 custos-ledger export -q --json -l c.ledger -o export
jrun "ledger verify -q" 0 custos-ledger verify -q --json -l c.ledger
jrun "key show -q" 0 custos-key show -q --json alice.key.pub
jrun "hash -q" 0 custos-hash -q --json -o mq2.json ev
qrun "ledger add" custos-ledger add note -q --yes -l c.ledger --sign author=alice.key \
    --passphrase-file alice.pass --text "another note"

# --- custos-dispose wipe ------------------------------------------------------------
head -c 65536 /dev/urandom >w1
jrun "dispose wipe" 0 custos-dispose wipe --json --confirm w1 --log w1.json w1
head -c 65536 /dev/urandom >w2
qrun "dispose wipe" custos-dispose wipe -q --confirm w2 --log w2.json w2

# --- a missing .sig is UNTRUSTED (4), one line on stderr, never SYSTEM (7) ------------
# sigrun NAME CMD...
sigrun() {
    name=$1; shift
    "$@" >s.out 2>s.err; rc=$?
    if [ "$rc" -eq 4 ] && [ "$(wc -l <s.err)" -eq 1 ] && grep -q 'no such signature file' s.err; then
        pass "$name: missing .sig exits 4"
    else fail "$name: missing .sig exits 4" "exit $rc: $(head -c 300 s.err)"; fi
}
sigrun "key verify" custos-key verify --key alice.key.pub --purpose manifest --signature nope.sig d.bin
sigrun "hash --audit --signer" custos-hash -q -A m.json --signer alice.key.pub ev
sigrun "verify --signer" custos-verify -q -r m.json --signer alice.key.pub ev

# --- the custodian signs the same way everywhere: --sign custodian=KEY ------------------
# (custos-ledger add and custos-dispose verify take it; so do the tools whose
# main signer is the custodian, where --key KEY says the same)
custos-hash -q --sign custodian=alice.key --passphrase-file alice.pass -o hs.json ev
if [ $? -eq 0 ] && custos-key verify -q --key alice.key.pub --purpose manifest --signature hs.json.sig hs.json; then
    pass "custos-hash --sign custodian=KEY signs the manifest as --key does"
else fail "custos-hash --sign custodian=KEY signs the manifest as --key does"; fi
custos-seal create -q --yes --sign custodian=alice.key --passphrase-file alice.pass \
    --case C-7 --authorisation "order 7" --evidence E-1 --seal S-2 -o p2.tar ev
if [ $? -eq 0 ] && custos-seal verify -q --trust alice.key.pub p2.tar; then
    pass "custos-seal create --sign custodian=KEY seals as --key does"
else fail "custos-seal create --sign custodian=KEY seals as --key does"; fi
for cmd in "custos-hash -o x.json" "custos-seal create --case C-7 --authorisation a --evidence E --seal S -o x.tar" \
    "custos-acquire -o x"; do
    $cmd --key alice.key --sign custodian=alice.key ev >t.out 2>t.err; rc=$?
    if [ $rc -eq 2 ] && grep -q "given twice" t.err && [ ! -e x.json ] && [ ! -e x.tar ]; then
        pass "${cmd%% *}: --key and --sign custodian= are one signer (exit 2)"
    else fail "${cmd%% *}: --key and --sign custodian= are one signer (exit 2)" "exit $rc: $(head -c 200 t.err)"; fi
done
custos-seal cosign --sign custodian=alice.key p.tar >t.out 2>t.err; rc=$?
if [ $rc -eq 2 ]; then pass "custos-seal cosign: --sign belongs to create (exit 2)"
else fail "custos-seal cosign: --sign belongs to create (exit 2)" "exit $rc: $(head -c 200 t.err)"; fi
finish
