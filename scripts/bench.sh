#!/usr/bin/env bash
# Builds the benchmark in release and runs it; the figures go into docs/PERFORMANCE.md (and a log under
# target/bench/). See docs/PERFORMANCE.md for what is measured and how.
#
#   scripts/bench.sh                     # the whole benchmark (about 10 minutes once built)
#   scripts/bench.sh --build-wasm        # first build the release WASM bundle into target/bench/site (as
#                                        # `cargo leptos build --release` would) and measure that one
#   scripts/bench.sh --sizes 100,1000 --only fanout --no-doc    # any chorus-bench flag (chorus-bench --help)
#
# It is a benchmark, not a test: nothing here runs in CI. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chorus-target}"

build_wasm=0
write_doc=1
args=()
for arg in "$@"; do
  case "$arg" in
    --build-wasm) build_wasm=1 ;;
    --no-doc) write_doc=0 ;;
    *) args+=("$arg") ;;
  esac
done

log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*"; }

if [ "$build_wasm" = 1 ]; then
  # The release bundle as `cargo leptos build --release` (0.3.10) makes it: the frontend crate in the
  # wasm-release profile, wasm-bindgen --target=web, wasm-opt -Oz. Done by hand so that neither the site other
  # tools serve (target/site) nor the release server binary is touched.
  export PATH="$HOME/.cargo/bin:${CHORUS_TOOLS_DIR:-$HOME/.cache/chorus-tools}/node_modules/.bin:$PATH"
  site=target/bench/site
  log "building the release WASM bundle into $site"
  if LEPTOS_OUTPUT_NAME=chorus LEPTOS_SITE_PKG_DIR=pkg cargo build --package=frontend --lib \
       --target-dir="$CARGO_TARGET_DIR/front" --target=wasm32-unknown-unknown --profile=wasm-release; then
    rm -rf "$site" && mkdir -p "$site/pkg"
    wasm-bindgen --target=web --out-name=chorus --out-dir="$site/pkg" \
      "$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend.wasm"
    mv "$site/pkg/chorus_bg.wasm" "$site/pkg/chorus.wasm"
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$site/pkg/chorus.wasm" -o "$site/pkg/chorus.wasm"
  else
    log "the release WASM build failed; the bundle will be reported as not built"
    rm -rf "$site"
  fi
  args=(--site-root "$site" "${args[@]}")
fi

log "building chorus-bench (release)"
cargo build --release -p server --features bench --bin chorus-bench

mkdir -p target/bench
logfile="target/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).log"
if [ "$write_doc" = 1 ]; then
  args+=(--write-doc docs/PERFORMANCE.md)
fi
export CHORUS_BENCH_COMMAND="scripts/bench.sh${*:+ $*}"
log "running: chorus-bench ${args[*]:-} (log: $logfile)"
"$CARGO_TARGET_DIR/release/chorus-bench" "${args[@]}" 2>&1 | tee "$logfile"
