#!/usr/bin/env bash
# Installs what is missing, builds Chorus (release) and runs it on SQLite with the demo campaign.
# Extra arguments go to the server, e.g. `scripts/run.sh --addr 0.0.0.0:3000`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
CHORUS_SKIP_BROWSER=1 bash scripts/install-tools.sh
echo "[run] building (the first build takes several minutes)"
bash scripts/build-site.sh
exec "$CARGO_TARGET_DIR/release/chorus" --demo --site-root target/site "$@"
