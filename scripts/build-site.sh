#!/usr/bin/env bash
# The release build people run and the tests use: the `chorus` server and, in target/site, the browser bundle
# split (`--split`): a core module, then the pages in groups, each a WASM file loaded when one of its pages opens
# (see `AccountPage`, `BoardPage`, `PartnerPage` and `PortalPage` in app/src/lib.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release --split "$@"
