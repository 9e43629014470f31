#!/bin/sh
# custos-dispose wipe end to end. Files: a zero pass checked with cmp against
# /dev/zero; a keystream pass regenerated independently with `openssl enc
# -aes-256-ctr`; sampled verification; the signed log checked with the
# commands of docs/formats/wipe-log.md (openssl pkeyutl -verify); a byte left
# unwritten (skip-write shim), a planted byte (verify-only) and a read error
# (fault shim) all make the result FAILED. Safety: wrong or missing
# confirmation, existing log. Loop devices (skipped where losetup cannot
# attach one): confirmation by device name, a byte left unwritten on the
# device, refusal of a mounted device and of a disk whose partition is
# mounted, a partition wiped alone; and refusal of the disk holding "/".
here=$(cd "$(dirname "$0")" && pwd)
. "$here/acquire-lib.sh"

loops=
at_exit_extra='umount "$work/mnt" 2>/dev/null; for l in $loops; do losetup -d "$l" 2>/dev/null; done'
SIZE=$((8 * 1024 * 1024))
ZIV=00000000000000000000000000000000

printf 'wipe-test passphrase\n' >pass
custos-key generate -q --name "Vera Vendor" --role vendor -o vendor.key --passphrase-file pass ||
    { fail "generate a key"; finish; }

# sigfile_ok SIG LOG PUB: docs/formats/wipe-log.md section 5 as a function (the block itself runs below).
sigfile_ok() (
    P=$(sed -n 's/^purpose: //p' "$1") &&
    test "$P" = application/vnd.custos.wipe-log.v1 &&
    test "$(sed -n 's/^key: //p' "$1")" = \
         "$(openssl pkey -pubin -in "$3" -outform DER | sha256sum | cut -d' ' -f1)" &&
    { printf 'DSSEv1 %d %s %d ' ${#P} "$P" "$(wc -c < "$2")"; cat "$2"; } > signed &&
    sed -n 's/^signature: //p' "$1" | base64 -d > sig.bin &&
    openssl pkeyutl -verify -rawin -pubin -inkey "$3" -in signed -sigfile sig.bin
)
# keystream KEYHEX BYTES: the AES-256-CTR pattern, made by openssl alone.
keystream() {
    openssl enc -aes-256-ctr -K "$1" -iv $ZIV -in /dev/zero 2>/dev/null | head -c "$2"
}
randfile() { head -c "$2" /dev/urandom >"$1"; }
# pattern-free fill, so an unwritten byte is visible: every byte 0xff.
fffile() { head -c "$2" /dev/zero | tr '\0' '\377' >"$1"; }

# ---- a file, zeros, full verification, signed log ----
randfile f1 $SIZE
run 0 "zero pass over a file" custos-dispose wipe --confirm f1 --key vendor.key \
    --passphrase-file pass --log f1.json f1
check "file is all zeros (cmp with /dev/zero)" cmp -n $SIZE f1 /dev/zero
is "file size unchanged" "$(fsize f1)" $SIZE
is "log: result, kind, pattern, method, bytes" \
    "$(jget f1.json "[r['result'], r['target']['kind'], r['pattern']['name'], r['verification']['method'], r['pass']['bytes_written'], r['verification']['bytes_verified'], r['verification']['mismatched_bytes']]")" \
    "[\"PASSED\", \"file\", \"zeros\", \"full\", $SIZE, $SIZE, 0]"
is "log: a file overwrite claims no NIST category" "$(jget f1.json "r['nist_category']")" none
check "log: says a file overwrite is not media sanitisation" grep -q "not media sanitisation" f1.json
check "stderr warns that a file overwrite is not media sanitisation" \
    grep -q "not media sanitisation" err
is "log: operator from the key" "$(jget f1.json "[r['operator']['name'], r['operator']['role']]")" \
    '["Vera Vendor", "vendor"]'
check "signed log verifies with openssl pkeyutl (format doc commands)" \
    sigfile_ok f1.json.sig f1.json vendor.key.pub
check "custos-key verify agrees" custos-key verify -q --key vendor.key.pub \
    --purpose application/vnd.custos.wipe-log.v1 --signature f1.json.sig f1.json
sed 's/"PASSED"/"PASSEd"/' f1.json >f1-edited.json
if sigfile_ok f1.json.sig f1-edited.json vendor.key.pub >/dev/null 2>&1; then
    fail "an edited log must not verify"
else
    pass "an edited log does not verify"
fi
grep -q "^result: PASSED" out && pass "stdout says PASSED" || fail "stdout says PASSED" "$(cat out)"

# ---- a file, keystream, sampled verification, JSON report ----
randfile f2 $SIZE
SEED=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
run 0 "keystream pass with a given seed, sampled verification" custos-dispose wipe -q --json \
    --pattern random --seed $SEED --verify sample --confirm f2 --log f2.json f2
keystream $SEED $SIZE >f2.want
check "file = openssl enc -aes-256-ctr keystream of the seed" cmp f2 f2.want
is "--json: one document with the result and the log" \
    "$(jget out "[r['result'], r['log'], r['wipe_log']['pattern']['key']]")" \
    "[\"PASSED\", \"f2.json\", \"$SEED\"]"
is "sampling: 1000 subsections, 2 samples each + first + last, seed recorded" \
    "$(jget f2.json "[r['verification']['sampling'][k] for k in ('subsections', 'samples_per_subsection', 'regions', 'unit_bytes')] + [len(r['verification']['sampling']['seed'])]")" \
    '[1000, 2, 2002, 512, 64]'
# The plan recomputed from the format document alone (python3 and openssl enc).
plan_sha256() { # LOG: prints "SHA256 BYTES" of the plan the document defines
    seed=$(jget "$1" "r['verification']['sampling']['seed']")
    subs=$(jget "$1" "r['verification']['sampling']['subsections']")
    keystream "$seed" $((16 * subs)) >draws.bin
    "$PY" - "$1" draws.bin <<'EOF'
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
s = r['verification']['sampling']
d = open(sys.argv[2], 'rb').read()
size, unit, S, pm = r['target']['size_bytes'], s['unit_bytes'], s['subsections'], s['sample_permille']
U = -(-size // unit)
regions = [(0, unit)]
for i in range(S):
    first, end = U * i // S, U * (i + 1) // S
    n = end - first
    L = max(1, -(-(n * pm) // 1000))
    span = n - 2 * L + 1
    x = int.from_bytes(d[16 * i:16 * i + 8], 'big') % span
    y = int.from_bytes(d[16 * i + 8:16 * i + 16], 'big') % span
    a, b = min(x, y), max(x, y)
    regions += [((first + a) * unit, L * unit), ((first + b + L) * unit, L * unit)]
regions.append(((U - 1) * unit, unit))
regions = [(o, min(l, size - o)) for o, l in regions]
text = ''.join('%d %d\n' % (o, l) for o, l in regions)
# bytes_verified: the union of the regions (the first and last unit may overlap a sample)
total, end = 0, 0
for o, l in sorted(regions):
    total += max(0, o + l - max(o, end))
    end = max(end, o + l)
print(hashlib.sha256(text.encode()).hexdigest(), total)
EOF
}
is "sampling plan recomputed from the format document: same SHA-256, same bytes read" \
    "$(plan_sha256 f2.json)" \
    "$(jget f2.json "r['verification']['sampling']['plan_sha256'] + ' ' + str(r['verification']['bytes_verified'])")"
is "sampling read at least 10 % and not everything" \
    "$(jget f2.json "0.10 * r['target']['size_bytes'] <= r['verification']['bytes_verified'] < r['target']['size_bytes']")" \
    true

randfile f3 $SIZE
run 0 "keystream pass with a random seed" custos-dispose wipe -q --pattern random --confirm f3 \
    --log f3.json f3
KEY3=$(jget f3.json "r['pattern']['key']")
keystream "$KEY3" $SIZE >f3.want
check "file = keystream regenerated from the recorded key" cmp f3 f3.want
run 0 "verify-only with the recorded seed passes" custos-dispose wipe -q --verify-only \
    --pattern random --seed "$KEY3" --log f3-recheck.json f3
is "verify-only log has no pass" "$(jget f3-recheck.json "[r['pass'], r['result']]")" \
    '[null, "PASSED"]'

# Section 5's command blocks exactly as written (sh -e), on copies under the names they use.
root=${CUSTOS_SOURCE_ROOT:?}
refute() { name=$1; shift; if "$@" >/dev/null 2>&1; then fail "$name"; else pass "$name"; fi; }
docblock() { # TAG: the ```sh block after <!-- wipe-check: TAG -->
    awk -v tag="<!-- wipe-check: $1 -->" '$0 == tag { t = 1; next }
      t && /^```sh$/ { f = 1; next } f && /^```$/ { exit } f' "$root/docs/formats/wipe-log.md"
}
# doccheck TAG LOG SIG TARGET: runs the block in a fresh directory; its exit status
doccheck() (
    rm -rf dc && mkdir dc && docblock "$1" >dc/check.sh && [ -s dc/check.sh ] || exit 9
    cp "$2" dc/wipe.json && cp vendor.key.pub dc/ || exit 9
    [ -z "$3" ] || cp "$3" dc/wipe.json.sig || exit 9
    [ -z "$4" ] || cp "$4" dc/disk.img || exit 9
    cd dc && sh -e check.sh >out 2>&1
)
check "wipe-log.md signature block as written verifies a signed log" doccheck signature f1.json f1.json.sig ""
refute "wipe-log.md signature block as written fails an edited log" \
    doccheck signature f1-edited.json f1.json.sig ""
check "wipe-log.md zeros block as written: the zeroed file" doccheck zeros f1.json "" f1
cp f1 f1-planted && printf 'x' | dd of=f1-planted bs=1 seek=4000 conv=notrunc 2>/dev/null
refute "wipe-log.md zeros block as written fails a planted byte" doccheck zeros f1.json "" f1-planted
check "wipe-log.md keystream block as written: the keystream file" doccheck keystream f3.json "" f3
cp f3 f3-planted && printf 'x' | dd of=f3-planted bs=1 seek=4000 conv=notrunc 2>/dev/null
refute "wipe-log.md keystream block as written fails a planted byte" \
    doccheck keystream f3.json "" f3-planted
keystream "$(jget f2.json "r['verification']['sampling']['seed']")" 16000 >draws.want
draws_ok() { doccheck draws f2.json "" "" && cmp -s dc/draws.bin draws.want; }
check "wipe-log.md draws block as written makes the seed's 1000 draws" draws_ok

# The progress line (rate and ETA) appears on a terminal only, and not with -q.
if command -v script >/dev/null 2>&1; then
    randfile f9 $SIZE
    script -qc "custos-dispose wipe --confirm f9 --log f9.json f9" /dev/null >tty.out 2>&1
    check "terminal: progress line names its phase, with a rate" grep -aq "wiping .*MB/s" tty.out
    script -qc "custos-dispose wipe -q --confirm f9 --log f9q.json f9" /dev/null >ttyq.out 2>&1
    check "terminal with -q: no progress line" sh -c '! grep -aq ETA ttyq.out'
    check "no progress line when stderr is not a terminal" sh -c '! grep -q ETA err'
else
    skip "script(1) not available: no terminal to test the progress line"
fi

# ---- failures are caught ----
shim=${CUSTOS_SKIPWRITE_SHIM:-}
fffile f4 $SIZE
if [ -n "$shim" ] && [ -f "$shim" ]; then
    CUSTOS_SKIPWRITE_PATH=f4 CUSTOS_SKIPWRITE_OFFSET=5000001 LD_PRELOAD=$shim \
        run 1 "a byte left unwritten: FAILED" custos-dispose wipe -q --confirm f4 \
        --key vendor.key --passphrase-file pass --log f4.json f4
    is "the unwritten byte is still 0xff" "$(od -An -tx1 -j 5000001 -N 1 f4 | tr -d ' ')" ff
    is "log: FAILED, one mismatched byte at its offset" \
        "$(jget f4.json "[r['result'], r['verification']['mismatched_bytes'], r['error_regions'][0]['kind'], r['error_regions'][0]['offset'], r['nist_category']]")" \
        '["FAILED", 1, "verify", 5000001, "none"]'
    check "stderr says FAILED" grep -q "wipe FAILED" err
    check "a FAILED log is signed too" sigfile_ok f4.json.sig f4.json vendor.key.pub
else
    skip "skip-write shim not built (CUSTOS_SKIPWRITE_SHIM)"
fi

if [ -n "$shim" ] && [ -f "$shim" ]; then
    fffile f8 $SIZE
    CUSTOS_SKIPWRITE_PATH=f8 CUSTOS_SKIPWRITE_OFFSET=5000000 CUSTOS_SKIPWRITE_EIO=1 \
        LD_PRELOAD=$shim run 1 "a write error (EIO): FAILED" custos-dispose wipe -q \
        --confirm f8 --log f8.json f8
    is "write error narrowed to its 512-byte sector, which then mismatches" \
        "$(jget f8.json "[r['result'], r['pass']['write_errors'], r['pass']['bytes_written'], r['error_regions'][0], r['verification']['mismatched_bytes']]")" \
        "[\"FAILED\", 1, $((SIZE - 512)), {\"kind\": \"write\", \"offset\": 4999680, \"length\": 512, \"error\": \"Input/output error\"}, 512]"
    is "every other sector was still overwritten" "$(cmp -l f8 /dev/zero 2>/dev/null | wc -l)" 512
fi

head -c $SIZE /dev/zero >f5
printf '\001' | dd of=f5 bs=1 seek=777 conv=notrunc status=none
run 1 "verify-only finds a planted byte" custos-dispose wipe -q --verify-only --log f5.json f5
is "planted byte: offset and count" \
    "$(jget f5.json "[r['error_regions'][0]['offset'], r['verification']['mismatched_bytes'], r['pass']]")" \
    '[777, 1, null]'

fault=${CUSTOS_FAULT_SHIM:-}
randfile f6 $SIZE
if [ -n "$fault" ] && [ -f "$fault" ]; then
    CUSTOS_FAULT_PATH=f6 CUSTOS_FAULT_SECTORS=10000 LD_PRELOAD=$fault \
        run 3 "a read error during verification: FAILED, incomplete" custos-dispose wipe -q \
        --confirm f6 --log f6.json f6
    is "log: FAILED with a read error region" \
        "$(jget f6.json "[r['result'], r['verification']['read_errors'] > 0, r['error_regions'][0]['kind']]")" \
        '["FAILED", true, "read"]'
else
    skip "fault shim not built (CUSTOS_FAULT_SHIM)"
fi

# SIGINT mid-pass: exit 130, no log (the target is partly overwritten).
truncate -s 512M big.img
timeout --preserve-status -s INT 0.5 custos-dispose wipe -q --confirm big.img --log big.json \
    big.img >out 2>err
rc=$?
if [ $rc -eq 0 ]; then
    skip "SIGINT: the wipe finished before the signal"
elif [ ! -s err ]; then
    skip "SIGINT: the signal arrived before the tool started (a loaded machine)"
else
    is "SIGINT: exit 130" $rc 130
    check "SIGINT: says it was interrupted" grep -q "interrupted" err
    check "SIGINT: no log, no temporary log" sh -c '! ls -a | grep -q "big.json"'
fi
rm -f big.img

# ---- refusals before any write ----
randfile f7 $SIZE
sum7=$(sha256 f7)
run 6 "wrong confirmation refused" custos-dispose wipe --confirm ./f7 --log f7.json f7
check "refusal message names the confirmation" grep -q "does not match" err
run 2 "missing --confirm is a usage error" custos-dispose wipe --log f7.json f7
echo x >f7.json
run 6 "existing log refused before the wipe" custos-dispose wipe --confirm f7 --log f7.json f7
is "refused target is unchanged" "$(sha256 f7)" "$sum7"
rm f7.json
echo x >f7.json.sig
run 6 "existing signature file refused before the wipe" custos-dispose wipe --confirm f7 \
    --key vendor.key --passphrase-file pass --log f7.json f7
check "no log was written" test ! -e f7.json
run 2 "--seed without --pattern random" custos-dispose wipe --seed $SEED --confirm f7 --log x.json f7
run 2 "--subsections below 1000" custos-dispose wipe --verify sample --subsections 999 \
    --confirm f7 --log x.json f7
ln -s f7 f7link
run 5 "a symlink to a file is not followed" custos-dispose wipe --confirm f7link --log x.json f7link
is "nothing was written" "$(sha256 f7)" "$sum7"

# ---- a loop device ----
randfile disk.img $SIZE
loop=$(losetup -f --show disk.img 2>losetup.err)
if [ -z "$loop" ] || [ ! -b "$loop" ]; then
    skip "loop devices: losetup -f cannot attach one here: $(head -n 1 losetup.err)"
else
    loops=$loop
    ldev=$(basename "$loop")
    # a read-only flag left by an earlier user of this loop device outlives its attachment
    blockdev --setrw "$loop"
    run 6 "loop: a wrong confirmation is refused" custos-dispose wipe --confirm WRONG \
        --log l0.json "$loop"
    check "loop: refusal says a device without a serial is confirmed by its name" \
        grep -q "kernel name" err
    run 0 "loop: wipe confirmed by the device name" custos-dispose wipe -q --confirm "$ldev" \
        --verify sample --log l1.json "$loop"
    check "loop: backing file is all zeros" cmp -n $SIZE disk.img /dev/zero
    is "loop: log target and method" \
        "$(jget l1.json "[r['target'][k] for k in ('kind', 'device', 'serial', 'confirmed_by', 'size_bytes')] + [r['verification']['cache_bypass'], r['pass']['flush'], r['result'], r['nist_category']]")" \
        "[\"block-device\", \"$ldev\", null, \"device-name\", $SIZE, \"o_direct\", \"fsync+blkflsbuf\", \"PASSED\", \"none\"]"
    check "loop: log says only the backing file was overwritten" grep -q "backing file only" l1.json
    is "loop: sampling plan recomputed from the format document" "$(plan_sha256 l1.json)" \
        "$(jget l1.json "r['verification']['sampling']['plan_sha256'] + ' ' + str(r['verification']['bytes_verified'])")"

    if [ -n "$shim" ] && [ -f "$shim" ]; then
        fffile disk.img $SIZE
        CUSTOS_SKIPWRITE_PATH=$loop CUSTOS_SKIPWRITE_OFFSET=3000000 LD_PRELOAD=$shim \
            run 1 "loop: a byte left unwritten on the device: FAILED" custos-dispose wipe -q \
            --confirm "$ldev" --log l2.json "$loop"
        is "loop: the byte is found" \
            "$(jget l2.json "[r['result'], r['error_regions'][0]['offset'], r['verification']['mismatched_bytes']]")" \
            '["FAILED", 3000000, 1]'
    fi

    mkdir mnt
    if mkfs.ext2 -q -F "$loop" >/dev/null 2>&1 && mount "$loop" mnt 2>/dev/null; then
        echo evidence >mnt/keep.txt
        run 6 "loop: a mounted device is refused" custos-dispose wipe --confirm "$ldev" \
            --log l3.json "$loop"
        check "loop: refusal names the mount" grep -q "is mounted on" err
        sync
        is "loop: the mounted file system is intact" "$(cat mnt/keep.txt)" evidence
        umount mnt
    else
        skip "loop: cannot make and mount an ext2 file system here"
    fi
    losetup -d "$loop"
    loops=

    # Two partitions (an MBR written by python3); the second is mounted.
    head -c $((16 * 1024 * 1024)) /dev/zero >parts.img
    "$PY" - parts.img <<'EOF'
import struct, sys
mbr = bytearray(512)
for i, (start, count) in enumerate([(2048, 8192), (10240, 22528)]):
    mbr[446 + 16 * i:446 + 16 * (i + 1)] = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0x83, b'\0\0\0', start, count)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
EOF
    ploop=$(losetup -P -f --show parts.img 2>/dev/null)
    loops=$ploop
    # The partition nodes appear asynchronously; where the kernel's own scan
    # made none (some sandboxes), partx adds them.
    i=0
    while [ -n "$ploop" ] && [ ! -b "${ploop}p2" ] && [ $i -lt 40 ]; do
        [ $i -eq 10 ] && partx -a "$ploop" 2>/dev/null
        sleep 0.1; i=$((i + 1))
    done
    if [ -n "$ploop" ] && [ -b "${ploop}p1" ] && [ -b "${ploop}p2" ]; then
        pname=$(basename "$ploop")
        if mkfs.ext2 -q -F "${ploop}p2" >/dev/null 2>&1 && mount "${ploop}p2" mnt 2>/dev/null; then
            run 6 "partitions: the disk of a mounted partition is refused" custos-dispose wipe \
                --confirm "$pname" --log p0.json "$ploop"
            check "partitions: refusal names the mount" grep -q "is mounted on" err
            run 0 "partitions: an unmounted partition is wiped alone" custos-dispose wipe -q \
                --confirm "${pname}p1" --log p1.json "${ploop}p1"
            is "partitions: log marks a partition" \
                "$(jget p1.json "[r['target']['partition'], r['target']['size_bytes'], r['result']]")" \
                "[true, $((8192 * 512)), \"PASSED\"]"
            check "partitions: log says only one partition" grep -q "only one partition" p1.json
            umount mnt
        else
            skip "partitions: cannot mount ext2 on the second partition"
        fi
    else
        skip "partitions: losetup -P made no partition devices"
    fi
fi

# ---- the disk that holds "/" ----
rootdev=$(findmnt -n -o MAJ:MIN / 2>/dev/null | tr -d ' ')
rootdisk=
if [ -n "$rootdev" ] && [ -e "/sys/dev/block/$rootdev" ]; then
    r=$(readlink -f "/sys/dev/block/$rootdev")
    [ -e "$r/partition" ] && r=$(dirname "$r")
    [ -b "/dev/$(basename "$r")" ] && rootdisk=/dev/$(basename "$r")
fi
if [ -n "$rootdisk" ]; then
    # A deliberately wrong confirmation: even if the root check failed, nothing is written.
    run 6 "the disk holding / is refused ($rootdisk)" custos-dispose wipe \
        --confirm not-the-serial-of-the-root-disk --log root.json "$rootdisk"
    check "refusal names the root file system, before the confirmation" \
        grep -q "holds the root file system" err
else
    skip "no block device holds / here"
fi

finish
