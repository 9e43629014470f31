#!/bin/sh
# custos-acquire -o A -o B: several images from one read of the source.
# Checks, with tools other than custos: raw+raw, raw+E01 (E01 split into
# segments) and E01+E01, every raw image cmp-equal to the source, every E01
# ewfverify-clean and ewfexport-equal to it, ewfinfo's media type; the same
# a record beside each image, its output that image (custos-verify -r passes
# on each), both listing both in copies[] with each one's files (SHA-256 =
# sha256sum), its own verification, and the source's digests once.
# One destination failing (a 1 MiB tmpfs, full; its directory removed during
# the run; an EIO from the crash shim): the other is published with the
# record, which names the failed one; exit 8, one line on stderr.
# Option-time refusals: the same output twice, an output that exists,
# --record with two outputs.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

mounts=
at_exit_extra='for m in $mounts; do umount "$m" 2>/dev/null; done'

# A 6 MiB medium: random, with runs of zeros (E01 compression has work).
"$PY" - <<'EOF'
import os
with open("medium.bin", "wb") as f:
    for i in range(6):
        f.write(os.urandom(1 << 20) if i % 2 == 0 else bytes(1 << 20))
EOF
src_md5=$(md5 medium.bin)
src_sha1=$(sha1 medium.bin)
src_sha256=$(sha256 medium.bin)

# e01_equal NAME E01: ewfverify passes, and ewfexport's raw export is the medium.
e01_equal() {
    check "$1: ewfverify succeeds" ewfverify -q "$2"
    rm -f export.raw
    if ewfexport -q -u -f raw -t export "$2" >/dev/null 2>&1 && cmp -s export.raw medium.bin; then
        pass "$1: ewfexport gives back the medium byte for byte"
    else
        fail "$1: ewfexport gives back the medium byte for byte"
    fi
    ewfinfo "$2" >ewfinfo.out 2>&1
    check "$1: ewfinfo media type fixed disk (a regular file)" \
        grep -q "Media type:[[:space:]]*fixed disk" ewfinfo.out
}

# copies_ok NAME RECORD: copies[] lists every image with result verified,
# no error, its record, and files whose size and SHA-256 are the disk's.
copies_ok() {
    bad=$("$PY" - "$2" <<'EOF'
import hashlib, json, os, sys
r = json.load(open(sys.argv[1]))
out = []
for c in r["copies"]:
    if c["result"] != "verified" or c["error"] is not None:
        out.append("%s: result %s error %s" % (c["output"], c["result"], c["error"]))
    if not os.path.isfile(c["record"]):
        out.append("%s: no record at %s" % (c["output"], c["record"]))
    if c["verification"]["digests"] != r["digests"]:
        out.append("%s: verification digests differ from the source's" % c["output"])
    if not c["image"]["files"]:
        out.append("%s: no files" % c["output"])
    for f in c["image"]["files"]:
        h = hashlib.sha256(open(f["path"], "rb").read()).hexdigest()
        if h != f["sha256"] or os.path.getsize(f["path"]) != f["size_bytes"]:
            out.append("%s: %s differs from its record entry" % (c["output"], f["path"]))
print("; ".join(out))
EOF
)
    if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$bad"; fi
}

# 1. raw + raw.
run 0 "raw + raw" custos-acquire -q --no-authorisation medium.bin -o a.raw -o b.raw
check "raw + raw: a.raw = the medium (cmp)" cmp a.raw medium.bin
check "raw + raw: b.raw = the medium (cmp)" cmp b.raw medium.bin
is "raw + raw: the two records differ only in output and verification" \
    "$(jget a.raw.acquire.json "sorted(k for k in r if r[k] != json.load(open('b.raw.acquire.json'))[k])")" \
    '["output", "verification"]'
check "raw + raw: b.raw checks against its own record (custos-verify)" \
    custos-verify -q -r b.raw.acquire.json
is "raw + raw: copies[] lists both, in order, raw" \
    "$(jget a.raw.acquire.json "[(c['output'], c['format']) for c in r['copies']]")" \
    '[["a.raw", "raw"], ["b.raw", "raw"]]'
copies_ok "raw + raw: each copy verified, its files' SHA-256 = sha256sum" a.raw.acquire.json
is "raw + raw: one set of source digests = md5sum, sha1sum, sha256sum" \
    "$(jget a.raw.acquire.json "[r['digests'][k] for k in ('md5', 'sha1', 'sha256')]")" \
    "[\"$src_md5\", \"$src_sha1\", \"$src_sha256\"]"
is "raw + raw: output is the first image" "$(jget a.raw.acquire.json "r['output']['files'][0]['path']")" a.raw
is "raw + raw: media type of a file: fixed, unknown" \
    "$(jget a.raw.acquire.json "[r['source']['media_type'], r['source']['media_type_from']]")" \
    '["fixed", "unknown"]'
check_record_files "raw + raw: b.raw's record lists b.raw as output, files as on disk" b.raw.acquire.json

# 2. split raw + E01 (segments of 2 MiB for both).
run 0 "split raw + E01" custos-acquire -q --no-authorisation -s 2M medium.bin -o c.raw -o d.E01
if cat c.raw.001 c.raw.002 c.raw.003 | cmp -s - medium.bin && [ ! -e c.raw.004 ]; then
    pass "split raw + E01: c.raw.001-003 joined = the medium"
else
    fail "split raw + E01: c.raw.001-003 joined = the medium"
fi
e01_equal "split raw + E01: d.E01" d.E01
check "split raw + E01: d.E01 checks against its own record (custos-verify)" \
    custos-verify -q -r d.E01.acquire.json
check "split raw + E01: c.raw.001-003 check against their record (custos-verify)" \
    custos-verify -q -r c.raw.acquire.json
is "split raw + E01: copies[] formats and E01 segment files" \
    "$(jget d.E01.acquire.json "[[c['format'] for c in r['copies']], len(r['copies'][1]['image']['files']) > 1]")" \
    '[["raw", "e01"], true]'
copies_ok "split raw + E01: each copy verified, its files' SHA-256 = sha256sum" c.raw.acquire.json
ewfinfo d.E01 >info.d 2>&1
check "split raw + E01: the E01 stores the medium's MD5" grep -q "MD5:.*$src_md5" info.d

# 3. E01 + E01 (they share the compression), media type given.
run 0 "E01 + E01 with --media-type removable" \
    custos-acquire -q --no-authorisation --media-type removable medium.bin -o e.E01 -o f.E01
for x in e f; do
    check "E01 + E01: $x.E01 ewfverify succeeds" ewfverify -q $x.E01
    rm -f export.raw
    ewfexport -q -u -f raw -t export $x.E01 >/dev/null 2>&1
    check "E01 + E01: $x.E01 ewfexport = the medium" cmp export.raw medium.bin
    ewfinfo $x.E01 >info.$x 2>&1
    check "E01 + E01: $x.E01 ewfinfo media type removable disk" \
        grep -q "Media type:[[:space:]]*removable disk" info.$x
done
copies_ok "E01 + E01: each copy verified, its files' SHA-256 = sha256sum" f.E01.acquire.json
is "E01 + E01: record media type from the option" \
    "$(jget e.E01.acquire.json "[r['source']['media_type'], r['source']['media_type_from']]")" \
    '["removable", "option"]'

# 4. One destination fails: a full 1 MiB tmpfs. The other is published.
mkdir tiny
if mount -t tmpfs -o size=1m tmpfs tiny 2>/dev/null; then
    mounts=$work/tiny
    run 8 "raw + E01 on a full tmpfs" \
        custos-acquire -q --no-authorisation medium.bin -o g.raw -o tiny/h.E01
    check "full tmpfs: g.raw = the medium (cmp)" cmp g.raw medium.bin
    is "full tmpfs: nothing left in the tmpfs" "$(ls -A tiny)" ""
    is "full tmpfs: copies[] says which failed" \
        "$(jget g.raw.acquire.json "[(c['output'], c['result'], c['error'] is not None, c['record'], c['image']['files']) for c in r['copies']]")" \
        '[["g.raw", "verified", false, "g.raw.acquire.json", [{"name": "g.raw", "path": "g.raw", "size_bytes": 6291456, "sha256": "'"$src_sha256"'"}]], ["tiny/h.E01", "failed", true, null, []]]'
    is "full tmpfs: stderr names the failed output, one line" \
        "$(grep -c 'tiny/h.E01' err) $(wc -l <err)" "1 1"
    # The failed one first: the record goes beside the second.
    run 8 "E01 on a full tmpfs + raw" \
        custos-acquire -q --no-authorisation medium.bin -o tiny/i.E01 -o j.raw
    check "full tmpfs first: j.raw = the medium (cmp)" cmp j.raw medium.bin
    is "full tmpfs first: output is the image that stands" \
        "$(jget j.raw.acquire.json "[r['output']['files'][0]['path'], r['verification']['result'], r['copies'][0]['result']]")" \
        '["j.raw", "match", "failed"]'
    run 7 "a single output on a full tmpfs, as before" \
        custos-acquire -q --no-authorisation medium.bin -o tiny/k.raw
    is "a single output on a full tmpfs: nothing published" "$(ls -A tiny)" ""
else
    skip "mount -t tmpfs: not permitted here"
fi

# 4b. A destination's directory removed during the run (a stream source that
# pauses while it goes): with and without verification, it is listed failed.
for v in --verify --no-verify; do
    rm -rf gone s.raw s.raw.acquire.json && mkdir gone
    { head -c 2097152 medium.bin; sleep 1; rm -rf gone; tail -c +2097153 medium.bin; } |
        custos-acquire -q --no-authorisation $v - -o s.raw -o gone/t.raw >out 2>err
    is "directory removed ($v): exit 8" "$?" 8
    check "directory removed ($v): s.raw = the medium (cmp)" cmp s.raw medium.bin
    is "directory removed ($v): the record says gone/t.raw failed, s.raw stands" \
        "$(jget s.raw.acquire.json "[(c['output'], c['result']) for c in r['copies']]")" \
        "[[\"s.raw\", \"$([ $v = --verify ] && echo verified || echo written)\"], [\"gone/t.raw\", \"failed\"]]"
done

# 5. One destination fails with EIO (the crash shim fails one write).
shim=${CUSTOS_CRASH_SHIM:-}
if [ -n "$shim" ] && [ -f "$shim" ]; then
    LD_PRELOAD=$shim CUSTOS_CRASH_MODE=eio CUSTOS_CRASH_AT=3 \
        custos-acquire -q --no-authorisation medium.bin -o l.raw -o m.raw >out 2>err
    is "one write fails with EIO: exit 8" "$?" 8
    res=$(for x in l m; do [ -e $x.raw.acquire.json ] && jget $x.raw.acquire.json "sorted(c['result'] for c in r['copies'])"; done | sort -u)
    is "EIO: one copy verified, one failed, in the record" "$res" '["failed", "verified"]'
    good=$(ls l.raw m.raw 2>/dev/null)
    is "EIO: exactly one image published" "$(echo "$good" | wc -w)" 1
    check "EIO: the published one = the medium (cmp)" cmp "$good" medium.bin
    check "EIO: stderr says Input/output error" grep -q "Input/output error" err
else
    fail "the crash shim is built (CUSTOS_CRASH_SHIM)"
fi

# Every member of a two-output record, a failed image's included, is in
# the format document's field table.
doc=${CUSTOS_SOURCE_ROOT:-$here/../..}/docs/formats/acquisition-record.md
undocumented=$("$PY" - "$doc" a.raw.acquire.json s.raw.acquire.json <<'EOF'
import json, re, sys
table = set(re.findall(r"^\| `([^`]+)` \|", open(sys.argv[1]).read(), re.M))
def paths(v, p):
    yield p
    items = v.items() if isinstance(v, dict) else [("[]", x) for x in v] if isinstance(v, list) else []
    for k, x in items:
        yield from paths(x, p + k if k == "[]" else (p + "." if p else "") + k)
print(" ".join(sorted({p for f in sys.argv[2:] for p in paths(json.load(open(f)), "")
                       if p and not p.endswith("[]") and p not in table})))
EOF
)
is "every member of a two-output record is documented" "$undocumented" ""

# 6. Refused before reading.
run 2 "the same output twice" custos-acquire -q --no-authorisation medium.bin -o n.raw -o n.raw
run 2 "--record with two outputs" \
    custos-acquire -q --no-authorisation --record r.json medium.bin -o n.raw -o o.raw
run 2 "a raw copy named .E01" custos-acquire -q --no-authorisation -f raw medium.bin -o n.raw -o o.E01
run 6 "the second output exists" custos-acquire -q --no-authorisation medium.bin -o n.raw -o a.raw
run 2 "two names for one E01 (p and p.E01)" \
    custos-acquire -q --no-authorisation -f e01 medium.bin -o p -o p.E01
run 2 "five outputs" custos-acquire -q --no-authorisation medium.bin -o q1 -o q2 -o q3 -o q4 -o q5
is "refusals published nothing" "$(ls n.* o.* p* q* 2>/dev/null)" ""

finish
