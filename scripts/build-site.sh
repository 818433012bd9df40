#!/usr/bin/env bash
# The release build people run and the tests use: the `chorus` server and, in target/site, the browser bundle
# split per page (`--split`: each page's code is a WASM file of its own, loaded when that page opens).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release --split "$@"
