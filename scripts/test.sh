#!/usr/bin/env bash
# Runs every test: formatting and lints first (failing fast), unit and integration tests (SQLite and PostgreSQL,
# real WebSocket clients), then the end-to-end tests in headless Chromium: the release build's browser bundles and
# site, served by the `chorus` binary the tests' build made. Installs what is missing first. Each step prints its time.
#
# The browser bundles build in the background while the lints run and the tests compile: most of a bundle's build
# runs on one core, so the two overlap well on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
started=$(date +%s)
step() { echo "[test] $* (at $(( $(date +%s) - started )) s)"; }
bash scripts/install-tools.sh
bash scripts/postgres.sh

step "formatting (fail fast)"
cargo fmt --all --check

site_log=$(mktemp)
bash scripts/build-site.sh --without-server > "$site_log" 2>&1 &
site=$!
trap 'kill $site 2>/dev/null || true; rm -f "$site_log"' EXIT
step "lints, while the browser bundles build"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "compiling the tests"
cargo test -p app -p server -p json_derive --features app/ssr --no-run
step "waiting for the browser bundles"
if ! wait "$site"; then cat "$site_log"; echo "[test] the browser build failed" >&2; exit 1; fi
cat "$site_log"

step "unit and integration tests"
cargo test -p app -p server -p json_derive --features app/ssr -- --test-threads=2

step "end-to-end tests in headless Chromium"
(cd end2end && CHORUS_BIN="$CARGO_TARGET_DIR/debug/chorus" CHORUS_SITE_ROOT="$(pwd)/../target/site" npm test)
step "all tests passed"
