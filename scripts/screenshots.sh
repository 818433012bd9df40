#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.webp) from the browser tests' artifacts: the phone test
# (end2end/tests/phone.test.mjs) keeps every page, for every role, at 360 and 1440 px in target/screenshots/.
# Each chosen one is cropped to its first screen and re-encoded as WebP (under 150 kB) by headless Chromium.
#
#   scripts/screenshots.sh             # from the last test run's target/screenshots/
#   scripts/screenshots.sh --run       # first runs the phone test against the dev build (scripts/dev.sh --build-only),
#                                      # or the build that CHORUS_BIN and CHORUS_SITE_ROOT name
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
SHOTS="$PWD/target/screenshots"
if [ "${1:-}" = "--run" ]; then
  (cd end2end && CHORUS_BIN="${CHORUS_BIN:-$CARGO_TARGET_DIR/dev/debug/chorus}" \
    CHORUS_SITE_ROOT="${CHORUS_SITE_ROOT:-$PWD/../target/dev-site}" \
    CHORUS_SCREENSHOTS="$SHOTS" node --test --test-concurrency=1 --test-timeout=180000 tests/phone.test.mjs)
fi
[ -d "$SHOTS" ] || { echo "no $SHOTS: run the browser tests first (or pass --run)" >&2; exit 1; }
[ -d end2end/node_modules/playwright-core ] || (cd end2end && npm ci --no-audit --no-fund)
# name:height to keep from the top of the whole-page shot (one 1440×900 screen; the dashboard down to its charts;
# two phone screens).
rm -f docs/screenshots/*.webp
(cd end2end && node tools/readme-screenshots.mjs "$SHOTS" ../docs/screenshots \
  brand-board-1440:900 agency-home-1440:900 brand-content-1440:900 brand-performance-1440:1400 \
  agency-board-360:1600 creator-portal-campaign-360:1600)
