#!/usr/bin/env bash
# Runs every test: formatting and lints first (failing fast), unit and integration tests (SQLite and PostgreSQL,
# real WebSocket clients), then the end-to-end tests in headless Chromium against the release build.
# Installs what is missing first. Each step prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
started=$(date +%s)
step() { echo "[test] $* (at $(( $(date +%s) - started )) s)"; }
bash scripts/install-tools.sh
bash scripts/postgres.sh

step "formatting and lints (fail fast)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit and integration tests"
cargo test -p app -p server -p json_derive --features app/ssr -- --test-threads=2

step "building the app for the browser tests (the release build people run)"
bash scripts/build-site.sh
step "end-to-end tests in headless Chromium"
(cd end2end && CHORUS_BIN="$CARGO_TARGET_DIR/release/chorus" CHORUS_SITE_ROOT="$(pwd)/../target/site" npm test)
step "all tests passed"
