#!/bin/sh
# Regenerates the acquisition-record test vector (docs/formats/acquisition-record.md,
# "Test vector"). Needs custos-acquire on PATH and a C compiler for the read-error
# shim. The output is a snapshot: times, host and versions change on every run,
# so regenerate only when the record format changes, then copy
# e01/evidence.E01.acquire.json into section 3.3 of the format document (the
# test checks they are equal) and commit the result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
rm -rf raw split e01 errors medium.bin
# medium.bin: 16 sectors of 512 bytes; sector N is one text line padded with spaces.
awk 'BEGIN { for (s = 0; s < 16; s++)
               printf "%-511s\n", sprintf("custos acquisition-record test vector: sector %02d of 16", s) }' \
    > medium.bin
meta() {
  custos-acquire -q -a "TV-AUTH-0001" --case-number "TV-CASE-1" --evidence-number "TV-EV-1" \
    --examiner "Test Examiner" --description "acquisition-record test vector" \
    --notes "16 sectors of text" -w 4K "$@"
}
mkdir raw split e01 errors
(cd raw && meta ../medium.bin -o evidence.raw)
(cd split && meta -s 3K ../medium.bin -o evidence.raw)
(cd e01 && meta ../medium.bin -o evidence.E01)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -shared -fPIC -o "$tmp/failread.so" failread.c -ldl
# Sectors 5 and 6 (bytes 2560-3583) cannot be read: custos-acquire exits 3.
(cd errors && rc=0 && FAILREAD_NAME=/medium.bin FAILREAD_OFFSET=2560 FAILREAD_LENGTH=1024 \
   LD_PRELOAD="$tmp/failread.so" meta ../medium.bin -o evidence.raw || rc=$?; [ "$rc" -eq 3 ])
ls -l medium.bin raw split e01 errors
