#!/usr/bin/env bash
# The release build people run and the tests use: the `chorus` server and, in target/site, the browser bundle
# split (`--split`): a core module, then the pages' islands in four groups, each loaded when a page with one of its
# islands opens (see `BoardIsland`, `PartnerIsland`, `PortalIsland` and `NewCampaignIsland` in app/src/lib.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release "$@"
bash scripts/build-bundles.sh
