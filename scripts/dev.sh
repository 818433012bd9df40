#!/usr/bin/env bash
# The development loop: builds Chorus unoptimised, runs it on SQLite with the demo campaign, and rebuilds and
# restarts it whenever a file under app/, server/, frontend/, derive/, style/ or public/ changes (checked every
# second). Reload the page after "[dev] ready". No cargo-leptos needed (it remains an option: `cargo leptos watch`
# after `scripts/install-tools.sh --dev`).
#
#   scripts/dev.sh                    # http://127.0.0.1:3000
#   scripts/dev.sh --addr 0.0.0.0:3000
#   scripts/dev.sh --build-only       # build once and exit: then run the browser tests against this build with
#       (cd end2end && CHORUS_BIN=$CARGO_TARGET_DIR/dev/debug/chorus CHORUS_SITE_ROOT=$PWD/../target/dev-site \
#        node --test tests/board.test.mjs)
#
# The browser gets ONE unoptimised WASM module with every island (the release build makes one per group of
# pages), listed under every bundle's name, so a change to any page rebuilds one module. A rebuild after a change
# to one page takes about a minute on 2 cores (README, "Setting up"); the first build about 8 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
CHORUS_SKIP_BROWSER=1 bash scripts/install-tools.sh

SITE=target/dev-site
TARGET="$CARGO_TARGET_DIR/dev"
DATA="${CHORUS_DEV_DATA:-target/dev-data}"
ALL=(board charter content performance settings portal home)
log() { printf '\033[1;32m[dev]\033[0m %s\n' "$*"; }

build() {
  local t
  t=$(date +%s)
  mkdir -p "$SITE/pkg"
  cp -a public/. "$SITE/"
  local css
  css="chorus.$(sha256sum style/main.css | cut -c1-12).css"
  rm -f "$SITE"/pkg/chorus.*.css*
  cp style/main.css "$SITE/pkg/$css"
  echo "$css" > "$SITE/pkg/style.txt"
  # The server and the browser's module side by side (two cargo processes, two target directories).
  RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=chorus \
    cargo build --quiet -p server --bin chorus --target-dir "$TARGET" &
  local server=$!
  # Split at the `#[lazy]` functions as the release build does (scripts/build-bundles.sh): their code loads on use.
  RUSTFLAGS="--cfg erase_components -C link-args=--emit-relocs" cargo build --quiet -p frontend --lib \
    --target wasm32-unknown-unknown --profile wasm-dev --target-dir "$TARGET-wasm" || { wait $server; return 1; }
  wait $server || return 1
  rm -f "$SITE"/pkg/dev.* "$SITE"/pkg/split_*.wasm "$SITE"/pkg/chunk_*.wasm
  local split="$TARGET-wasm/split"
  rm -rf "$split" && mkdir -p "$split"
  wasm-split-cli "$TARGET-wasm/wasm32-unknown-unknown/wasm-dev/frontend.wasm" "$split" --target web --out-name dev
  wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$SITE/pkg" --out-name dev "$split/dev.wasm"
  local hash
  hash=$(cat "$SITE/pkg/dev.js" "$SITE/pkg/dev_bg.wasm" | sha256sum | cut -c1-12)
  sed "/^import /s#\"\./__wasm_split\.js\"#\"./dev.split.$hash.js\"#" "$SITE/pkg/dev.js" > "$SITE/pkg/dev.$hash.js"
  rm "$SITE/pkg/dev.js"
  mv "$SITE/pkg/dev_bg.wasm" "$SITE/pkg/dev.$hash.wasm"
  if [ -f "$split/__wasm_split.js" ]; then
    sed "s#\"\./dev\.js\"#\"./dev.$hash.js\"#" "$split/__wasm_split.js" > "$SITE/pkg/dev.split.$hash.js"
    cp "$split"/*_*.wasm "$SITE/pkg/" 2>/dev/null || true
  fi
  : > "$SITE/pkg/bundles.txt"
  for name in "${ALL[@]}"; do echo "$name dev.$hash.js dev.$hash.wasm" >> "$SITE/pkg/bundles.txt"; done
  log "built in $(( $(date +%s) - t )) s"
}

if [ "${1:-}" = "--build-only" ]; then build; exit; fi

stamp=$(mktemp)
server_pid=
stop() { [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }; }
trap 'stop; rm -f "$stamp"' EXIT
while true; do
  touch "$stamp"
  if build; then
    stop
    mkdir -p "$DATA"
    "$TARGET/debug/chorus" --demo --site-root "$SITE" --data-dir "$DATA" "$@" &
    server_pid=$!
    log "ready (sign in as maya@northwind.example, password chorus-demo); watching for changes"
  else
    log "build failed; fix it and save again"
  fi
  until [ -n "$(find app server frontend derive style public -newer "$stamp" -type f -print -quit)" ]; do sleep 1; done
  log "change seen; rebuilding"
done
