#!/bin/sh
# Installs every Debian 12 package custos needs to build, test and run its
# demo: the compiler and build tools, the -dev libraries, and the peer tools
# the tests and benchmarks compare against. Quick when all is there already.
set -eu
pkgs="build-essential meson ninja-build pkg-config
libewf-dev libarchive-dev libssl-dev libmagic-dev libtsk-dev libjansson-dev libcurl4-openssl-dev zlib1g-dev
openssl ewf-tools sleuthkit dc3dd dcfldd hashdeep mtools dosfstools e2fsprogs
coreutils util-linux xxd time python3 zip unzip libarchive-tools file"
pkgs="$pkgs libhpdf-dev libqrencode-dev libpng-dev fonts-arphic-uming" # custos-dispose render: PDF, QR code, photos, a font with Chinese glyphs
pkgs="$pkgs poppler-utils zbar-tools imagemagick" # custos-dispose tests: pdftoppm, zbarimg, photos
pkgs="$pkgs weasyprint" # custos-dispose tests: prints the HTML certificate as a browser would (CSS paged media)
pkgs="$pkgs jq xz-utils zstd" # tests and demo: JSON checks; tar.xz and tar.zst backups for custos-verify
pkgs="$pkgs ntfs-3g" # custos-hash tests: mkntfs, ntfscp write NTFS images unmounted
pkgs="$pkgs clang libclang-rt-14-dev" # tests/fuzz: libFuzzer, ASan and UBSan runtimes (build-fuzz/)
pkgs="$pkgs libxml2-utils" # hash-format: xmllint --schema dfxml.xsd
pkgs="$pkgs golang-go golang-golang-x-mod-dev lighttpd curl" # ledger-publish: Go's reference tlog code; a log served over HTTP
# case-shacl: node and npm run the SHACL engine (tests/shacl/setup.sh installs it
# from npm into .cache/shacl); Debian's only when the machine has none of its own.
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run as root)" >&2
    exit 1
  fi
  echo "install-deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
