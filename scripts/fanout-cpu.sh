#!/usr/bin/env bash
# CPU of the fan-out, Chorus against the floor: runs `chorus-bench --only fanout` at 10,000 clients and compares
# the tokio workers' CPU time of the Chorus server process with that of the benchmark process hosting the floor
# (which also does the benchmark's bookkeeping), over 30 s of the same interleaved rounds.
# Far less noisy than the latency percentiles; see docs/PERFORMANCE.md.
#
#   scripts/fanout-cpu.sh [path/to/chorus-bench ...]     # default: $CARGO_TARGET_DIR/release/chorus-bench
#
# Build the benchmark first (scripts/bench.sh builds it; or `cargo build --release -p chorus-bench
# --bin chorus-bench`). Linux only (reads /proc/<pid>/task/*/schedstat). Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=("$CARGO_TARGET_DIR/release/chorus-bench")

workers_ns() { # total CPU (ns) of a process' tokio worker threads
  local total=0 th
  for th in /proc/"$1"/task/*; do
    [ "$(cat "$th/comm" 2>/dev/null)" = tokio-rt-worker ] && total=$((total + $(cut -d' ' -f1 "$th/schedstat")))
  done
  echo "$total"
}

for bench in "${benches[@]}"; do
  "$bench" --only fanout --sizes 10000 --client-threads 1 --rounds 600 >/dev/null 2>&1 &
  run=$!
  sleep 40 # 10,000 clients to each server, and the warm-up rounds
  server=$(pgrep -P "$run" -f ' serve ' | head -1)
  s0=$(workers_ns "$server"); f0=$(workers_ns "$run")
  sleep 30
  s1=$(workers_ns "$server"); f1=$(workers_ns "$run")
  kill "$run" 2>/dev/null || true
  wait "$run" 2>/dev/null || true
  python3 -c "s=($s1-$s0)/1e6; f=($f1-$f0)/1e6; print(f'$bench: Chorus workers {s:.0f} ms, floor workers {f:.0f} ms, ratio {s/f:.3f}')"
  sleep 3
done
