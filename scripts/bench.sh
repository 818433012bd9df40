#!/usr/bin/env bash
# Builds the benchmark in release and runs it; the figures go into docs/PERFORMANCE.md (and a log under
# target/bench/). See docs/PERFORMANCE.md for what is measured and how.
#
#   scripts/bench.sh                     # the whole benchmark (about 10 minutes once built)
#   scripts/bench.sh --build-wasm        # first build the release site (scripts/build-site.sh: one WASM bundle
#                                        # per group of pages) and measure that one
#   scripts/bench.sh --sizes 100,1000 --only fanout --no-doc    # any chorus-bench flag (chorus-bench --help)
#   scripts/bench.sh --only ssr --ssr-sizes 500,2000              # only the server-side rendering of large boards
#   scripts/bench.sh --board             # then also the board of 2,000 cards in headless Chromium: builds the
#                                        # release site (scripts/build-site.sh) and runs
#                                        # end2end/bench/board-update.mjs (figures into end2end/bench/board-update.json
#                                        # and the "Board with 2,000 cards" section of docs/PERFORMANCE.md)
#   scripts/bench.sh --board-only        # only that browser benchmark
#   scripts/bench.sh --metrics           # only the performance dashboard at 1,000,000 daily rows on SQLite and
#                                        # 100,000 more rows ingested while cards move (metrics-bench; section
#                                        # "The performance dashboard at a million rows" of docs/PERFORMANCE.md)
#
# It is a benchmark, not a test: nothing here runs in CI. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chorus-target}"

build_wasm=0
write_doc=1
board=0
rust_bench=1
metrics=0
args=()
for arg in "$@"; do
  case "$arg" in
    --build-wasm) build_wasm=1 ;;
    --no-doc) write_doc=0 ;;
    --board) board=1 ;;
    --board-only) board=1; rust_bench=0 ;;
    --metrics) metrics=1; rust_bench=0 ;;
    *) args+=("$arg") ;;
  esac
done

log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*"; }

if [ "$metrics" = 1 ]; then
  log "building metrics-bench (release)"
  cargo build --release -p chorus-bench --bin metrics-bench
  doc_args=()
  [ "$write_doc" = 1 ] && doc_args=(--doc docs/PERFORMANCE.md)
  "$CARGO_TARGET_DIR/release/metrics-bench" "${doc_args[@]}" "${args[@]}"
  exit 0
fi

if [ "$rust_bench" = 1 ] && [ "$build_wasm" = 1 ]; then
  # The release site exactly as people run it (and as the tests use it).
  log "building the release site (scripts/build-site.sh)"
  if bash scripts/build-site.sh; then
    args=(--site-root target/site "${args[@]}")
  else
    log "the release build failed; the bundle will be reported as not built"
  fi
fi

mkdir -p target/bench
export CHORUS_BENCH_COMMAND="scripts/bench.sh${*:+ $*}"

if [ "$rust_bench" = 1 ]; then
  log "building chorus-bench (release)"
  cargo build --release -p chorus-bench --bin chorus-bench

  logfile="target/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).log"
  if [ "$write_doc" = 1 ]; then
    args+=(--write-doc docs/PERFORMANCE.md)
  fi
  log "running: chorus-bench ${args[*]:-} (log: $logfile)"
  "$CARGO_TARGET_DIR/release/chorus-bench" "${args[@]}" 2>&1 | tee "$logfile"
fi

if [ "$board" = 1 ]; then
  # The release server and site, exactly as people run them (and as scripts/test.sh builds them).
  log "building the release site (scripts/build-site.sh)"
  bash scripts/build-site.sh
  if [ ! -d end2end/node_modules/playwright-core ]; then
    log "installing the browser-test dependencies (end2end/, npm ci)"
    (cd end2end && npm ci --no-audit --no-fund --silent)
  fi
  board_args=()
  if [ "$write_doc" = 1 ]; then
    board_args+=(--write-doc "$(pwd)/docs/PERFORMANCE.md")
  fi
  logfile="target/bench/board-$(date -u +%Y%m%dT%H%M%SZ).log"
  log "running: node end2end/bench/board-update.mjs ${board_args[*]:-} (log: $logfile)"
  (cd end2end && CHORUS_BIN="$CARGO_TARGET_DIR/release/chorus" CHORUS_SITE_ROOT="$(pwd)/../target/site" \
    node bench/board-update.mjs "${board_args[@]}") 2>&1 | tee "$logfile"
fi
