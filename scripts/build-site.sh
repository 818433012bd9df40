#!/usr/bin/env bash
# The release build people run and the tests use: the `chorus` server, the stylesheet and assets in target/site, and
# the browser's WASM: one bundle per group of pages, each with that group's islands only (scripts/build-bundles.sh;
# see `Bundle` in app/src/shell.rs). cargo-leptos' own module, every island in one, is what development builds load.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release "$@"
bash scripts/build-bundles.sh
