#!/usr/bin/env bash
# Lighthouse (mobile) on every kind of page against the release build, with the demo data and a 500-card board.
# Installs npm `lighthouse` into the tools directory the first time. Figures: docs/PERFORMANCE.md, "Lighthouse".
#   scripts/lighthouse.sh [--runs 3] [--write-doc ../docs/PERFORMANCE.md]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/install-tools.sh
[ -x "$CHORUS_TOOLS_DIR/node_modules/.bin/lighthouse" ] ||
  npm install --silent --no-audit --no-fund --prefix "$CHORUS_TOOLS_DIR" lighthouse@13.5.0
[ -x "$CARGO_TARGET_DIR/release/chorus" ] || bash scripts/build-site.sh
cd end2end
CHORUS_BIN="${CHORUS_BIN:-$CARGO_TARGET_DIR/release/chorus}" CHORUS_SITE_ROOT="${CHORUS_SITE_ROOT:-$(pwd)/../target/site}" \
  LIGHTHOUSE="$CHORUS_TOOLS_DIR/node_modules/.bin/lighthouse" node bench/lighthouse.mjs "$@"
