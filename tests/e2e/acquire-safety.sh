#!/bin/sh
# custos-acquire's safety rules: it never overwrites an output (image, E01
# segment, split segment, record, symlink), exit 6 with the existing file
# byte-identical; SIGINT and SIGTERM leave no image, record or staging
# directory (exit 130); an unreadable, missing or directory source is refused
# with one line on stderr naming it; the source is not changed; outputs are
# read-only; --no-authorisation is recorded.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

head -c $((6 * 1024 * 1024)) /dev/urandom >src.bin
src_sha256=$(sha256 src.bin)
src_times=$(stat -c '%Y.%y %Z.%z' src.bin)
acq() { custos-acquire -q --no-authorisation "$@"; }
printf 'precious evidence\n' >precious

# nothing_published NAME DIR PATTERN: no file matching PATTERN in DIR.
nothing_published() {
    left=$(cd "$2" && ls -d $3 2>/dev/null)
    if [ -z "$left" ]; then pass "$1"; else fail "$1" "published: $left"; fi
}
# same_file NAME FILE: FILE is still a copy of ./precious, with its mtime.
same_file() {
    if cmp -s precious "$2" && [ "$(stat -c %Y.%y "$2")" = "$(cat "$2.mtime")" ]; then pass "$1"
    else fail "$1" "$(head -c 100 "$2")"; fi
}
plant() { cp precious "$1" && touch -d '2020-01-01 12:00' "$1" && stat -c %Y.%y "$1" >"$1.mtime"; }
one_line_naming() { # NAME WORD: stderr is one line, starts with custos-acquire: and names WORD
    if [ "$(wc -l <err)" -eq 1 ] && grep -q "^custos-acquire: .*$2" err; then pass "$1"
    else fail "$1" "stderr: $(cat err)"; fi
}

# --- refusing to overwrite ----------------------------------------------------------------
mkdir o1 && plant o1/img.raw
run 6 "existing raw image: refused" acq src.bin -o o1/img.raw
same_file "existing raw image: byte-identical, same mtime" o1/img.raw
one_line_naming "existing raw image: one line naming it" "img.raw"
nothing_published "existing raw image: no record written" o1 'img.raw.acquire.json'
no_leftovers "existing raw image: no staging directory" o1

mkdir o2 && plant o2/img.E01
run 6 "existing E01: refused" acq src.bin -o o2/img.E01
same_file "existing E01: byte-identical" o2/img.E01
nothing_published "existing E01: nothing else published" o2 'img.E0[2-9] img.E01.acquire.json'

# A later segment that exists is found only when the set is complete; still
# nothing may be replaced or half-published.
mkdir o3 && plant o3/img.E03
run 6 "existing E01 segment img.E03: refused" acq -c none -s 1M src.bin -o o3/img.E01
same_file "existing E03: byte-identical" o3/img.E03
nothing_published "existing E03: no other segment or record published" o3 'img.E01 img.E02 img.E04 img.E01.acquire.json'
no_leftovers "existing E03: no staging directory" o3

mkdir o4 && plant o4/img.raw.002
run 6 "existing split segment img.raw.002: refused" acq -s 2M src.bin -o o4/img.raw
same_file "existing split segment: byte-identical" o4/img.raw.002
nothing_published "existing split segment: nothing else published" o4 'img.raw.001 img.raw.003 img.raw.acquire.json'
no_leftovers "existing split segment: no staging directory" o4

mkdir o5 && plant o5/img.raw.acquire.json
run 6 "existing record: refused" acq src.bin -o o5/img.raw
same_file "existing record: byte-identical" o5/img.raw.acquire.json
nothing_published "existing record: no image published" o5 'img.raw'

mkdir o6 && plant o6/elsewhere.json
run 6 "existing --record path: refused" acq --record o6/elsewhere.json src.bin -o o6/img.raw
same_file "existing --record path: byte-identical" o6/elsewhere.json
nothing_published "existing --record path: no image published" o6 'img.raw'

mkdir o7 && ln -s "$work/o7/target" o7/img.raw
run 6 "dangling symlink as output: refused" acq src.bin -o o7/img.raw
check "dangling symlink: its target was not created" test ! -e o7/target

# --- interruption -------------------------------------------------------------------------
# A FIFO fed 3 MiB, then nothing for a minute: custos is blocked reading it
# when the signal comes, and must still stop at once.
for sig in INT TERM; do
    d=sig$sig
    mkdir "$d" && mkfifo "$d/fifo"
    sh -c 'head -c 3145728 /dev/urandom; exec sleep 60' >"$d/fifo" &
    feeder=$!
    custos-acquire -q --no-authorisation -s 1M "$d/fifo" -o "$d/img.E01" >"$d/out" 2>"$d/err" &
    pid=$!
    i=0
    while [ $i -lt 100 ] && [ -z "$(find "$d" -maxdepth 1 -name '.custos.incomplete-*')" ]; do
        sleep 0.1; i=$((i + 1))
    done
    sleep 1
    kill -s "$sig" "$pid"
    i=0
    while [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
        fail "SIG$sig while blocked reading a FIFO: exits within 10 s" "still running; killed"
        kill -9 "$pid"
    else
        pass "SIG$sig while blocked reading a FIFO: exits within 10 s"
    fi
    wait "$pid"
    rc=$?
    kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null
    is "SIG$sig during an acquisition from a FIFO: exit 130" "$rc" 130
    nothing_published "SIG$sig: no image and no record" "$d" 'img.E?? img.E01.acquire.json'
    no_leftovers "SIG$sig: no .custos.incomplete-* directory" "$d"
done

# A regular 512 MiB source (sparse, read at full speed), interrupted early.
mkdir big && truncate -s 512M big/zero.img
custos-acquire -q --no-authorisation -c best big/zero.img -o big/img.E01 >big/out 2>big/err &
pid=$!
i=0
while [ $i -lt 100 ] && [ -z "$(find big -maxdepth 1 -name '.custos.incomplete-*')" ]; do
    sleep 0.05; i=$((i + 1))
done
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
if [ $rc -eq 130 ]; then
    pass "SIGINT during a 512 MiB acquisition: exit 130"
    nothing_published "SIGINT 512 MiB: no image and no record" big 'img.E?? img.E01.acquire.json'
else
    fail "SIGINT during a 512 MiB acquisition: exit 130" "exit $rc (it finished first?)"
fi
# One E01 output: its staging directory is kept with its journal, for --resume.
[ -f big/.custos.incomplete-*/acquire-journal.json ] &&
    pass "SIGINT 512 MiB: the staging directory kept with its journal" ||
    fail "SIGINT 512 MiB: the staging directory kept with its journal" "$(ls -a big)"
custos-acquire -q --resume big/img.E01 && ewfverify -q big/img.E01 >/dev/null 2>&1 &&
    no_leftovers "SIGINT 512 MiB, resumed: no .custos.incomplete-* directory" big ||
    fail "SIGINT 512 MiB, resumed and verified" "$(ls -a big)"

# --- bad sources ----------------------------------------------------------------------------
mkdir s
run 7 "nonexistent source" acq s/no-such-disk -o s/a.raw
one_line_naming "nonexistent source: one line naming it" "no-such-disk"
run 7 "source below a regular file (ENOTDIR)" acq src.bin/x -o s/b.raw
one_line_naming "ENOTDIR source: one line naming it" "src.bin/x"
. "$here/nobody-lib.sh"
nobody_tools custos-acquire || fail "copy the tools for nobody"
if [ -n "$as_nobody" ]; then
    chmod 0755 "$work" s && mkdir s/nb && chmod 0777 s/nb
    cp src.bin s/secret.bin && chmod 0600 s/secret.bin
    $as_nobody custos-acquire -q --no-authorisation s/secret.bin -o s/nb/c.raw >out 2>err
    is "unreadable source (mode 0600, run as nobody): exit 7" "$?" 7
    one_line_naming "unreadable source: one line naming it" "secret.bin"
    nothing_published "unreadable source: nothing published" s/nb '*'
else
    skip "unreadable source: setpriv or user nobody missing"
fi
mkdir s/adir
custos-acquire -q --no-authorisation s/adir -o s/d.raw >out 2>err
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 3 ] && [ $rc -ne 130 ]; then pass "directory as source: refused (exit $rc)"
else fail "directory as source: refused" "exit $rc"; fi
one_line_naming "directory as source: one line naming it" "adir"
nothing_published "nothing published for a bad source" s '*.raw *.json'
no_leftovers "no staging directory for a bad source" s
run 7 "output in a missing directory" acq src.bin -o s/no/such/dir/a.raw
one_line_naming "missing output directory: one line" "a.raw\|no/such"

# --- what a good run leaves ---------------------------------------------------------------
mkdir g
run 0 "acquire with --no-authorisation" acq -s 4M src.bin -o g/img.E01
is "--no-authorisation is recorded" "$(jget g/img.E01.acquire.json "r['case']['authorisation']")" \
    '{"reference": null, "acquired_without": true}'
ewfinfo g/img.E01 >info 2>&1
check "--no-authorisation: the E01 notes say so" grep -q "Notes:.*Authorisation: none" info
check_record_files "outputs are 0444 and listed with their sha256" g/img.E01.acquire.json
run 0 "acquire to raw" custos-acquire -q -a "Order 5" src.bin -o g/img.raw
is "raw image and record are mode 0444" "$(stat -c %a g/img.raw g/img.raw.acquire.json | tr '\n' ' ')" "444 444 "
is "--authorisation is recorded" "$(jget g/img.raw.acquire.json "r['case']['authorisation']")" \
    '{"reference": "Order 5", "acquired_without": false}'
is "record: command line recorded" "$(jget g/img.raw.acquire.json "r['command_line']")" \
    "custos-acquire -q -a 'Order 5' src.bin -o g/img.raw"
is "the source is unchanged: sha256" "$(sha256 src.bin)" "$src_sha256"
is "the source is unchanged: mtime and ctime" "$(stat -c '%Y.%y %Z.%z' src.bin)" "$src_times"
no_leftovers "no staging directory after good runs" g

finish
