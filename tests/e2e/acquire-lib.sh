# shellcheck shell=sh
# Shared helpers of the custos-acquire end-to-end tests (tests/e2e/acquire*.sh),
# sourced, not run. Sets up a scratch directory $work (removed at exit), TAP-ish
# counters, and independent checks: python3's json module reads the record,
# sha256sum/md5sum/sha1sum hash the bytes, mtools and mkfs.fat make media.
set -u
work=$(mktemp -d)
at_exit_extra=:
trap 'eval "$at_exit_extra"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
cd "$work" || exit 1
n=0
failed=0
# The system python3, not a version manager's slow shim found first on PATH.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
# The fault shim is built with the same sanitizers as the tools; ASan must not
# insist on being first in the link order when the shim is preloaded.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
    n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1))
    shift
    for line in "$@"; do echo "#   $line"; done
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# check NAME COMMAND...: passes when COMMAND exits 0.
check() {
    name=$1; shift
    if "$@" >"$work/.check.out" 2>&1; then pass "$name"
    else fail "$name" "command failed: $*" "$(tail -n 5 "$work/.check.out")"; fi
}
# is NAME GOT WANT
is() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got:  $2" "want: $3"; fi
}
finish() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
    exit
}

# run EXPECTED_EXIT NAME COMMAND...: runs COMMAND with stdout in ./out and
# stderr in ./err, and checks its exit code.
run() {
    want=$1 name=$2; shift 2
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name (exit $want)"
    else fail "$name (exit $want)" "exit $rc; stderr: $(head -c 600 "$work/err")"; fi
}

sha256() { sha256sum <"$1" | cut -d' ' -f1; }
md5() { md5sum <"$1" | cut -d' ' -f1; }
sha1() { sha1sum <"$1" | cut -d' ' -f1; }
fsize() { stat -c %s "$1"; }

# jq-like: jget FILE PYEXPR prints the expression over the record r.
jget() {
    "$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1" "$2"
}

# check_record_files NAME RECORD: every output file in the record exists, has
# the recorded size, a SHA-256 equal to sha256sum's, and mode 0444; the record
# itself is mode 0444.
check_record_files() {
    bad=$("$PY" - "$2" <<'EOF'
import hashlib, json, os, stat, sys
r = json.load(open(sys.argv[1]))
files = r["output"]["files"]
if not files:
    print("no files listed")
for f in files:
    p = f["path"]
    if not os.path.isfile(p):
        print("missing:", p); continue
    h = hashlib.sha256(open(p, "rb").read()).hexdigest()
    if h != f["sha256"]:
        print("sha256 of", p, "is", h, "record says", f["sha256"])
    if os.path.getsize(p) != f["size_bytes"]:
        print("size of", p, "is", os.path.getsize(p), "record says", f["size_bytes"])
    m = stat.S_IMODE(os.stat(p).st_mode)
    if m != 0o444:
        print("mode of", p, "is", oct(m))
m = stat.S_IMODE(os.stat(sys.argv[1]).st_mode)
if m != 0o444:
    print("mode of the record is", oct(m))
EOF
)
    if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$bad"; fi
}

# check_windows NAME RECORD MEDIUM WINDOW: the piecewise windows tile MEDIUM
# from 0 to its end, each WINDOW bytes but the last, and each SHA-256 equals
# dd | sha256sum of that window.
check_windows() {
    bad=$("$PY" - "$2" "$3" "$4" <<'EOF'
import json, os, subprocess, sys
r = json.load(open(sys.argv[1])); medium = sys.argv[2]; win = int(sys.argv[3])
size = os.path.getsize(medium)
pw = r["piecewise"]
if pw is None:
    print("no piecewise section"); sys.exit()
if pw["window_bytes"] != win:
    print("window_bytes", pw["window_bytes"])
ws = pw["windows"]
want = (size + win - 1) // win
if len(ws) != want:
    print("windows:", len(ws), "want", want)
at = 0
for i, w in enumerate(ws):
    if w["offset_bytes"] != at:
        print("window", i, "starts at", w["offset_bytes"], "want", at)
    if w["length_bytes"] != min(win, size - at):
        print("window", i, "length", w["length_bytes"])
    # dd with 4 KiB blocks: every window here is a multiple of 4 KiB but the last
    out = subprocess.run("dd if=%s bs=4096 skip=%d count=%d status=none | sha256sum"
                         % (medium, at // 4096, (w["length_bytes"] + 4095) // 4096),
                         shell=True, capture_output=True, text=True).stdout.split()[0]
    if out != w["sha256"]:
        print("window", i, "sha256", w["sha256"], "dd|sha256sum", out)
    at += w["length_bytes"]
if at != size:
    print("windows cover", at, "of", size, "bytes")
EOF
)
    if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$bad"; fi
}

# case_ledger LEVEL: keys alice.key (custodian) and carol.key (witness), their
# passphrases in a.pass and c.pass, and c.ledger: case C-7 under "order 7" at
# LEVEL, Carol enrolled.
case_ledger() {
    echo "passphrase of alice" >a.pass
    echo "passphrase of carol" >c.pass
    custos-key generate -q --name Alice --role custodian -o alice.key --passphrase-file a.pass &&
        custos-key generate -q --name Carol --role witness -o carol.key --passphrase-file c.pass &&
        custos-ledger open -q -l c.ledger --key alice.key --passphrase-file a.pass --case C-7 \
            --level "$1" --authorisation "order 7" &&
        custos-ledger add --yes enroll -q -l c.ledger --sign subject=carol.key \
            --sign approver=alice.key --passphrase-file c.pass --passphrase-file a.pass
}

# no_leftovers NAME DIR: no staging directory is left in DIR.
no_leftovers() {
    left=$(find "$2" -maxdepth 1 -name '.custos.incomplete-*' 2>/dev/null)
    if [ -z "$left" ]; then pass "$1"; else fail "$1" "left behind: $left"; fi
}

# make_fat IMG MIB DIR: a FAT file system of MIB MiB in IMG, made with
# mkfs.fat and filled with mtools (no mounting): random files, a text file and
# a subdirectory. DIR receives the original files, for icat.
make_fat() {
    img=$1 mib=$2 dir=$3
    mkdir -p "$dir"
    rm -f "$img"
    truncate -s "${mib}M" "$img"
    mkfs.fat -F 16 -n CUSTOSTEST -i 1234abcd "$img" >/dev/null || return 1
    head -c $((mib * 1024 * 1024 / 4)) /dev/urandom >"$dir/RANDOM1.BIN"
    head -c $((mib * 1024 * 1024 / 8 + 1234)) /dev/urandom >"$dir/RANDOM2.BIN"
    printf 'custos test file\nsecond line\n' >"$dir/README.TXT"
    seq 1 20000 >"$dir/NUMBERS.TXT"
    export MTOOLS_SKIP_CHECK=1
    mcopy -i "$img" "$dir/RANDOM1.BIN" "$dir/README.TXT" :: &&
        mmd -i "$img" ::EVIDENCE &&
        mcopy -i "$img" "$dir/RANDOM2.BIN" "$dir/NUMBERS.TXT" ::EVIDENCE
}

# fls_list IMAGE: the recursive file listing, addresses of the virtual files
# dropped (they depend on the image size only).
fls_list() { fls -r "$@" 2>&1; }
