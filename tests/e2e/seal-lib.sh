# shellcheck shell=sh
# Shared helpers of the custos-seal end-to-end tests (tests/e2e/seal*.sh),
# sourced, not run: a scratch directory $work (removed at exit), TAP
# counters, keys for alice (custodian), carol (witness) and mallory
# (custodian, the forger), evidence files, and the plain-BagIt check.
set -u
# Key loads run 600 000 PBKDF2 rounds; see tests/cli/key/_setup for why ASan gets a smaller quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=8"
work=$(mktemp -d)
at_exit_extra=:
trap 'eval "$at_exit_extra"; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
cd "$work" || exit 1
n=0
failed=0
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
  n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1))
  shift
  for line in "$@"; do echo "#   $line"; done
}
# expect NAME CODE GLOB COMMAND...: COMMAND exits CODE and its stderr matches GLOB.
expect() {
  name=$1 want=$2 glob=$3; shift 3
  "$@" > out.txt 2> err.txt; got=$?
  errtext=$(cat err.txt)
  # shellcheck disable=SC2254
  case "$errtext" in $glob) globok=1 ;; *) globok=0 ;; esac
  if [ "$got" -eq "$want" ] && [ $globok -eq 1 ]; then pass "$name"
  else fail "$name" "exit $got (want $want)" "stderr: $errtext"; fi
}
done_tests() { echo "1..$n"; [ "$failed" -eq 0 ]; }

make_keys() {
  for who in alice:custodian carol:witness mallory:custodian; do
    k=${who%%:*}; echo "passphrase of $k" > "$k.pass"
    custos-key generate -q --name "$k" --role "${who#*:}" -o "$k.key" --passphrase-file "$k.pass" ||
      { echo "Bail out! cannot make keys"; exit 1; }
  done
}
fp() { sed -n 's/^fingerprint: //p' "$1.key.pub"; }
fp16() { fp "$1" | cut -c1-16; }

# Evidence: a small tree with a nested directory, an empty file and a name with spaces.
make_evidence() {
  mkdir -p ev/sub
  printf 'hello\n' > ev/a.txt
  : > ev/empty
  head -c 300000 /dev/urandom > ev/sub/image.dd
  printf 'notes of the scene\n' > "ev/scene notes.txt"
  printf '{"record":1}\n' > record.json
}

# seal OUT [options...]: create with alice as custodian, carol named as witness.
seal() {
  out=$1; shift
  custos-seal create -q --yes --key alice.key --passphrase-file alice.pass \
    --case CASE-1 --evidence E-001 --seal TE-000731 --authorisation "order 2026/117" \
    -o "$out" "$@"
}

# bagit_valid DIR: a plain BagIt validator's checks with coreutils only.
bagit_valid() {
  (
    cd "$1" || exit 1
    printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' | cmp -s - bagit.txt &&
    sha256sum -c --strict --quiet tagmanifest-sha256.txt &&
    sha256sum -c --strict --quiet manifest-sha256.txt &&
    [ "$(find data -type f | LC_ALL=C sort)" = "$(cut -c67- manifest-sha256.txt | LC_ALL=C sort)" ] &&
    oxum=$(sed -n 's/^Payload-Oxum: //p' bag-info.txt) &&
    [ "$oxum" = "$(find data -type f -printf '%s\n' | awk '{s+=$1} END {printf "%d.%d", s, NR}')" ]
  )
}
