#!/usr/bin/env bash
# Installs what is missing, builds Chorus (release) and runs it on SQLite with the demo campaign.
# Extra arguments go to the server, e.g. `scripts/run.sh --addr 0.0.0.0:3000`.
# On a fresh 2-core machine: tools about 3 minutes, the build about 12 (each step prints its time); later runs
# only rebuild what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
started=$(date +%s)
echo "[run] 1/2 tools (skips whatever is installed)"
CHORUS_SKIP_BROWSER=1 bash scripts/install-tools.sh
echo "[run] tools ready after $(( $(date +%s) - started )) s"
echo "[run] 2/2 the release build"
bash scripts/build-site.sh
echo "[run] built after $(( $(date +%s) - started )) s in all; starting the demo (sign in as maya@northwind.example, password chorus-demo)"
exec "$CARGO_TARGET_DIR/release/chorus" --demo --site-root target/site "$@"
