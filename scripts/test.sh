#!/usr/bin/env bash
# Runs every test: unit and integration tests (SQLite and PostgreSQL, real WebSocket clients), then the
# end-to-end tests in headless Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/install-tools.sh
bash scripts/postgres.sh

echo "[test] formatting and lints (fail fast)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "[test] unit and integration tests"
cargo test -p app -p server -p json_derive --features app/ssr -- --test-threads=2

echo "[test] building the app for the browser tests (the release build people run)"
bash scripts/build-site.sh
echo "[test] end-to-end tests in headless Chromium"
(cd end2end && CHORUS_BIN="$CARGO_TARGET_DIR/release/chorus" CHORUS_SITE_ROOT="$(pwd)/../target/site" npm test)
