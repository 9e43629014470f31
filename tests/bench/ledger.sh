#!/bin/sh
# Appends N entries (default 100 000) to a fresh ledger and verifies it;
# prints entries per second for both, and for the first and last tenth of the
# appends (they must not slow down as the ledger grows). Run from a build
# directory: sh ../tests/bench/ledger.sh [N], or `meson test --benchmark`.
set -eu
bench=${CUSTOS_BUILD_ROOT:-$(pwd)}/tests/bench-ledger
[ -x "$bench" ] || { echo "ledger.sh: build first ($bench not found)" >&2; exit 2; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
"$bench" "${1:-100000}" "$dir"
