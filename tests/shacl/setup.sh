#!/bin/sh
# Installs the SHACL engine tests/e2e/case-shacl.sh runs (tests/shacl/
# package.json, versions pinned by package-lock.json) into DIR with npm ci,
# and copies validate.mjs beside it. Quick when DIR already holds this lock's
# packages. DIR defaults to .cache/shacl in the checkout (shared by every
# build directory); npm's own cache goes inside DIR too, never in a home.
# Usage: sh tests/shacl/setup.sh [DIR]; prints DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${CUSTOS_SHACL_DIR:-$here/../../.cache/shacl}}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
for t in node npm; do
  command -v "$t" >/dev/null 2>&1 || { echo "setup.sh: $t not found (sh scripts/install-deps.sh installs it)" >&2; exit 1; }
done
(
  flock 9
  if ! cmp -s "$here/package-lock.json" "$dir/installed.lock" || [ ! -d "$dir/node_modules/shacl-engine" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$dir/"
    rm -f "$dir/installed.lock"
    echo "setup.sh: npm ci in $dir" >&2
    (cd "$dir" && npm_config_cache="$dir/.npm-cache" npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$here/package-lock.json" "$dir/installed.lock"
  fi
  cp "$here/validate.mjs" "$dir/validate.mjs"
) 9>"$dir/.lock"
echo "$dir"
