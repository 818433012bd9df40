#!/usr/bin/env bash
# Runs every test: formatting and lints first (failing fast), unit and integration tests (SQLite and PostgreSQL,
# real WebSocket clients), then the end-to-end tests in headless Chromium against the release build people run.
# Installs what is missing first. Each step prints its time.
#
# The release build (scripts/build-site.sh; the server with the `e2e` profile: release, compiled incrementally) runs in the background while the lints run and the tests compile: most
# of a browser bundle's build runs on one core, so the two overlap well on a 2-core machine. (A debug server cannot
# stand in for the release one: its pages carry debug-only markers the release bundles do not hydrate.)
#
# The tests run in a copy of the checkout kept beside the build cache ($CHORUS_TEST_TREE): rsync updates only the
# files whose content changed, so a fresh clone of the same sources (new paths, new file times) reuses every build
# and every incremental cache instead of rebuilding the workspace's crates. Set CHORUS_TEST_TREE=. to test in place.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
tree="${CHORUS_TEST_TREE:-$HOME/.cache/chorus-test-tree}"
if [ "$tree" != . ] && [ "$(realpath -m "$tree")" != "$(pwd -P)" ]; then
  mkdir -p "$tree"
  # --checksum: unchanged files keep their old times; changed ones get new ones and are rebuilt. Build outputs and
  # installed packages stay in the copy (excluded, so not deleted).
  rsync -rlpc --delete --exclude /.git --exclude /target --exclude node_modules ./ "$tree/"
  echo "[test] testing this checkout's files in $tree"
  status=0
  flock "$tree.lock" env CHORUS_TEST_TREE=. bash "$tree/scripts/test.sh" "$@" || status=$?
  # Screenshots and other artifacts back into this checkout.
  [ ! -d "$tree/target/screenshots" ] || { mkdir -p target && rm -rf target/screenshots && cp -a "$tree/target/screenshots" target/; }
  exit $status
fi
started=$(date +%s)
step() { echo "[test] $* (at $(( $(date +%s) - started )) s)"; }
bash scripts/install-tools.sh
bash scripts/postgres.sh

step "formatting (fail fast)"
cargo fmt --all --check
step "the deployment example (deploy/check.sh: offline, about a second)"
bash deploy/check.sh

site_log=$(mktemp)
CHORUS_SERVER_PROFILE=e2e bash scripts/build-site.sh > "$site_log" 2>&1 &
site=$!
trap 'kill $site 2>/dev/null || true; rm -f "$site_log"' EXIT
step "lints, while the release build runs"
# With the s3-tls feature (HTTPS to AWS S3, which the container image builds with), so that it keeps compiling:
# the first run checks rustls once (about a minute), later runs cost nothing more.
cargo clippy --workspace --all-targets --locked --features server/s3-tls -- -D warnings
step "compiling the tests"
cargo test -p app -p server -p json_derive --features app/ssr --no-run
step "waiting for the release build"
if ! wait "$site"; then cat "$site_log"; echo "[test] the release build failed" >&2; exit 1; fi
cat "$site_log"

step "unit and integration tests"
# Bounded: a test that hangs fails the run in minutes instead of holding it (each test's HTTP calls time out at 60 s).
timeout 1200 cargo test -p app -p server -p json_derive --features app/ssr -- --test-threads=2 \
  --skip request_spans:: --skip metrics_import::a_hundred_thousand_rows
# On their own, one after the other: the log test reads the log through a subscriber set for its own thread, which
# received nothing while other tests ran on other threads of the same process; the 100,000-row import reports
# its timings, which mean something only without another test's load.
# (The same packages as above, so that cargo unifies the same features and reuses the test build, not rebuilds it.)
timeout 900 cargo test -p app -p server -p json_derive --features app/ssr --test it -- --test-threads=1 \
  request_spans:: metrics_import::a_hundred_thousand_rows_on_sqlite

step "end-to-end tests in headless Chromium"
(cd end2end && CHORUS_BIN="$CARGO_TARGET_DIR/e2e/chorus" CHORUS_SITE_ROOT="$(pwd)/../target/site" npm test)
step "all tests passed"
