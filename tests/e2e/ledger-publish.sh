#!/bin/sh
# custos-ledger publish and verify --log: two case ledgers in one
# organisation's C2SP tlog-tiles log, checked by custos and independently by
# Go's reference tile and note code (tests/interop/tlog-check.go, from
# Debian's golang-golang-x-mod-dev); then every way it must fail: a ledger
# rewritten after publishing, unpublished entries, a changed tile, another
# log key, and a log forked from the one a verifier saw before.
set -u
src=${CUSTOS_SOURCE_ROOT:?}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); sed 's/^/#   /' out 2>/dev/null | tail -n 5; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
gocheck() { # DIR VKEY
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/.gocache" GOFLAGS= \
    go run "$src/tests/interop/tlog-check.go" "$1" "$2"
}

for who in alice:custodian:"Alice 陳" wendy:witness:Wendy logk:custodian:"Example Corp log"; do
  k=${who%%:*}; r=${who#*:}; r=${r%%:*}; echo "passphrase of $k" > "$k.pass"
  custos-key generate -q --name "${who##*:}" --role "$r" -o "$k.key" --passphrase-file "$k.pass"
done
mkcase() { # LEDGER CASE
  custos-ledger open -q -l "$1" --key alice.key --passphrase-file alice.pass --case "$2" \
    --level 2 --authorisation "order $2"
  custos-ledger add --yes enroll -q -l "$1" --sign subject=wendy.key --sign approver=alice.key \
    --passphrase-file wendy.pass --passphrase-file alice.pass
  custos-ledger add --yes collect -q -l "$1" --sign custodian=alice.key --passphrase-file alice.pass \
    --item E-1 --description "筆電 $2"
}
mkcase one.ledger C-1
mkcase two.ledger C-2

custos-ledger publish -l one.ledger --log log --key logk.key --passphrase-file logk.pass \
  --origin example.org/custody-log > out 2>&1; rc=$?
check "publish a first ledger to a new log: exit 0, 3 entries" \
  '[ $rc -eq 0 ] && grep -q "3 entries published" out'
vkey=$(sed -n 's/^verifier key: //p' out)
check "  the verifier key is printed, named for the origin" \
  'case "$vkey" in example.org/custody-log+*) true;; *) false;; esac'
check "  the checkpoint's first line is the origin, its size 3" \
  '[ "$(sed -n 1p log/checkpoint)" = example.org/custody-log ] && [ "$(sed -n 2p log/checkpoint)" = 3 ]'
gocheck log "$vkey" > out 2>&1
check "Go's tlog and note packages verify the log custos wrote (3 entries)" 'grep -q "^OK 3 entries" out'
custos-ledger publish --json -l two.ledger --log log --key logk.key --passphrase-file logk.pass > pub2.json 2>out
check "a second ledger goes into the same log" '[ "$(sed -n 2p log/checkpoint)" = 6 ]'
# The printed inclusion proofs, checked by RFC 9162 2.1.3.2 in Python against
# the checkpoint's root, each leaf rebuilt from the ledger line and its hash.
cat > incl.py <<'PY'
import base64, hashlib, json, sys
j = json.load(open("pub2.json"))
lines = open("two.ledger", "rb").read().split(b"\n")
uuid = json.loads(lines[0].split(b"\t")[0])["ledger"]
cp = open("log/checkpoint").read().split("\n")
root = base64.b64decode(cp[2])
H = lambda b: hashlib.sha256(b).digest()
ok = len(j["inclusion_proofs"]) == 3
for p in j["inclusion_proofs"]:
    line = lines[p["entry"]]
    leaf = ("custos-ledger-entry/v1\ncustos.invalid/ledger/%s\n%d\n%s\n"
            % (uuid, p["entry"], hashlib.sha256(line).hexdigest())).encode()
    fn, sn, r = p["log_index"], p["tree_size"] - 1, H(b"\0" + leaf)
    for h in map(base64.b64decode, p["proof"]):
        if sn == 0:
            ok = False
        if fn % 2 == 1 or fn == sn:
            r = H(b"\1" + h + r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            r = H(b"\1" + r + h)
        fn >>= 1; sn >>= 1
    ok = ok and sn == 0 and r == root
sys.exit(0 if ok else 1)
PY
check "  its 3 printed inclusion proofs verify in Python (RFC 9162) to the signed root" 'python3 incl.py'
custos-ledger publish -l one.ledger --log log --key logk.key --passphrase-file logk.pass > out 2>&1
check "publishing again appends nothing (3 there already)" \
  'grep -q "0 entries published.*3 there already" out && [ "$(sed -n 2p log/checkpoint)" = 6 ]'
custos-ledger add --yes note -q -l one.ledger --sign author=alice.key --passphrase-file alice.pass --text later
custos-ledger publish -q -l one.ledger --log log --key logk.key --passphrase-file logk.pass
check "a new entry is appended alone" '[ "$(sed -n 2p log/checkpoint)" = 7 ]'
gocheck log "$vkey" > out 2>&1
check "  Go verifies the 7-entry log" 'grep -q "^OK 7 entries" out'

echo "$vkey" > log.vkey
custos-ledger verify -l one.ledger --log log --log-key log.vkey --log-state seen > out 2>&1; rc=$?
check "verify --log: every entry proven included (exit 0)" \
  '[ $rc -eq 0 ] && grep -q "4 proven included, 0 not published" out'
check "  the state file keeps the checkpoint seen" 'grep -q "^example.org/custody-log 7 " seen'
custos-ledger verify -q -l two.ledger --log log --log-key logk.key.pub --log-state seen; rc=$?
check "  the log key's .pub serves as its verifier key too" '[ $rc -eq 0 ]'
custos-ledger verify -l one.ledger --log log --log-key log.vkey --json > out 2>&1
check "  --json: included 4, status ok" \
  'python3 -c "import json,sys; j=json.load(open(\"out\")); sys.exit(not(j[\"included\"]==4 and j[\"status\"]==\"ok\"))"'

# The same log served by a real web server (lighttpd) on the loopback address.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > lighttpd.conf <<CONF
server.document-root = "$work"
server.bind = "127.0.0.1"
server.port = $port
mimetype.assign = ( "" => "application/octet-stream" )
CONF
lighttpd -D -f lighttpd.conf > lighttpd.log 2>&1 &
httpd=$!
trap 'kill $httpd 2>/dev/null; rm -rf "$work"' EXIT
tries=0
until curl -sf -o /dev/null "http://127.0.0.1:$port/log/checkpoint" || [ $tries -ge 100 ]; do
  tries=$((tries + 1)); sleep 0.1
done
custos-ledger verify -l two.ledger --log "http://127.0.0.1:$port/log" --log-key log.vkey \
  --log-state seen-http > out 2>&1; rc=$?
check "verify --log over HTTP from lighttpd: exit 0, every entry included" \
  '[ $rc -eq 0 ] && grep -q "3 proven included" out && grep -q " 7 " seen-http'
custos-ledger verify -l two.ledger --log "http://127.0.0.1:$port/nolog" --log-key log.vkey > out 2>&1; rc=$?
check "  a URL with no log: exit 7, naming the checkpoint's URL" \
  '[ $rc -eq 7 ] && grep -q "nolog/checkpoint" out'
kill $httpd 2>/dev/null

custos-ledger add --yes note -q -l one.ledger --sign author=alice.key --passphrase-file alice.pass --text unpublished
custos-ledger verify -l one.ledger --log log --log-key log.vkey > out 2>&1; rc=$?
check "an entry not yet published: exit 3, counted" '[ $rc -eq 3 ] && grep -q "1 not published" out'

# The ledger rewritten after publishing: entry 3 replaced by another, validly signed.
head -n 3 one.ledger > re.ledger
custos-ledger add --yes note -q -l re.ledger --sign author=alice.key --passphrase-file alice.pass --text rewritten
custos-ledger publish -l re.ledger --log log --key logk.key --passphrase-file logk.pass > out 2>&1; rc=$?
check "publishing a rewritten ledger is refused (exit 4), nothing appended" \
  '[ $rc -eq 4 ] && grep -q "rewritten after publishing" out && [ "$(sed -n 2p log/checkpoint)" = 7 ]'
custos-ledger verify -l re.ledger --log log --log-key log.vkey > out 2>&1; rc=$?
check "  and verify --log of it fails (exit 4)" '[ $rc -eq 4 ]'

custos-key generate -q --name other --role custodian -o other.key --passphrase-file logk.pass
custos-ledger verify -l two.ledger --log log --log-key other.key.pub > out 2>&1; rc=$?
check "another key: exit 4" '[ $rc -eq 4 ]'
custos-ledger publish -l two.ledger --log log --key other.key --passphrase-file logk.pass > out 2>&1; rc=$?
check "  and it cannot append (exit 4)" '[ $rc -eq 4 ]'

# A fork: a log with the same key and origin but another history.
custos-ledger publish -q -l two.ledger --log forked --key logk.key --passphrase-file logk.pass \
  --origin example.org/custody-log
custos-ledger publish -q -l one.ledger --log forked --key logk.key --passphrase-file logk.pass
custos-ledger verify -l two.ledger --log forked --log-key log.vkey --log-state seen > out 2>&1; rc=$?
check "a forked log, against the state seen before: exit 4, FORK" '[ $rc -eq 4 ] && grep -q FORK out'
check "  the state file is not moved to the fork" 'grep -q "^example.org/custody-log 7 " seen'

cp -r log tampered
printf '\001' | dd of=tampered/tile/0/000.p/7 bs=1 seek=40 conv=notrunc 2>/dev/null
custos-ledger verify -l two.ledger --log tampered --log-key log.vkey > out 2>&1; rc=$?
check "a changed tile: exit 4" '[ $rc -eq 4 ]'
gocheck tampered "$vkey" > out 2>&1
check "  Go's reader refuses it too" '! grep -q "^OK" out'

custos-ledger publish -q -l one.ledger --log whole --key logk.key --passphrase-file logk.pass \
  --origin example.org/whole --entries
check "--entries publishes the ledger lines themselves" \
  'grep -aq "筆電 C-1" whole/tile/entries/000.p/5'
gocheck whole "$(custos-ledger publish -l two.ledger --log whole --key logk.key --passphrase-file logk.pass --entries | sed -n "s/^verifier key: //p")" > out 2>&1
check "  Go verifies it (8 entries)" 'grep -q "^OK 8 entries" out'

# Witnesses (C2SP tlog-witness): a witness written in Go from the spec (tests/interop/witness.go).
wport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir wstate
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/.gocache" GOFLAGS= \
  go run "$src/tests/interop/witness.go" "127.0.0.1:$wport" wstate "$vkey" > witness.out 2>&1 &
wpid=$!
trap 'kill $wpid 2>/dev/null; pkill -P $wpid 2>/dev/null; rm -rf "$work"' EXIT
tries=0
until [ -s witness.out ] && curl -s -o /dev/null "http://127.0.0.1:$wport/" || [ $tries -ge 600 ]; do
  tries=$((tries + 1)); sleep 0.1
done
wkey=$(head -n 1 witness.out)
W="--witness http://127.0.0.1:$wport --witness-key $wkey"
custos-ledger witness --log log --log-key log.vkey $W > out 2>&1; rc=$?
check "witness: the checkpoint is cosigned (exit 0) and the line added" \
  '[ $rc -eq 0 ] && grep -q "cosigned by witness.example/w1" out && grep -q "^— witness.example/w1 " log/checkpoint'
custos-ledger verify -l two.ledger --log log --log-key log.vkey --witness-key "$wkey" > out 2>&1; rc=$?
check "verify --log with the witness's key: 1 of 1 cosigned, exit 0" \
  '[ $rc -eq 0 ] && grep -q "1 of 1 cosigned" out'
gocheck log "$vkey" > out 2>&1
check "  Go still verifies the cosigned checkpoint" 'grep -q "^OK 7 entries" out'
custos-ledger publish -q -l one.ledger --log log --key logk.key --passphrase-file logk.pass
custos-ledger verify -l two.ledger --log log --log-key log.vkey --witness-key "$wkey" > out 2>&1; rc=$?
check "a new checkpoint not yet witnessed: exit 4" '[ $rc -eq 4 ] && grep -q "0 of the witnesses" out'
custos-ledger witness -q --log log --log-key log.vkey $W; rc=$?
custos-ledger verify -q -l two.ledger --log log --log-key log.vkey --witness-key "$wkey"; rc2=$?
check "  witnessed again (the witness answers 409 with its size, custos proves from it): exit 0" \
  '[ $rc -eq 0 ] && [ $rc2 -eq 0 ] && grep -q "^8 " wstate/state'
custos-ledger witness --log forked --log-key log.vkey $W > out 2>&1; rc=$?
check "the witness refuses the forked log (exit 4), and its checkpoint stays unwitnessed" \
  '[ $rc -eq 4 ] && ! grep -q "witness.example" forked/checkpoint'
custos-ledger verify -l two.ledger --log log --log-key log.vkey --witness-key "$wkey" --witnesses 2 > out 2>&1; rc=$?
check "--witnesses more than the keys given: exit 2" '[ $rc -eq 2 ]'

echo "1..$n"
[ $failed -eq 0 ]
