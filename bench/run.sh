#!/usr/bin/env bash
# make bench: every benchmark; a human table on stderr, one JSON object per
# benchmark on stdout (README.md, Benchmarks). W1 runs first so that the optimizer
# benchmark can compare its step with the W1 training step of this same run.
set -euo pipefail
BUILD=${BUILD:-build}
bin=${FLIPSCOPE_BIN:-$BUILD/flipscope}
w1_json=$(mktemp)
trap 'rm -f "$w1_json"' EXIT
bash bench/w1.sh "$bin" | tee "$w1_json"
sps=$(sed -n 's/.*"bench":"w1_throughput_cema","samples_per_s":\([0-9.]*\).*/\1/p' "$w1_json")
step_ms=$(awk -v s="${sps:-0}" 'BEGIN { if (s > 0) printf "%.3f", 100 * 1000 / s; else print 6.0 }')
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")" >&2
  case "$b" in
    */bench_optim | */bench_trace) "$b" --step-ms "$step_ms" ;;
    *) "$b" ;;
  esac
done
bash bench/peer_torch.sh "$bin"
bash bench/cnn.sh "$bin"
bash bench/telemetry.sh "$bin"
bash bench/trace.sh "$bin"
bash bench/tui.sh "$bin"
