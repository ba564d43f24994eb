#!/usr/bin/env bash
# make bench: every benchmark; a human table on stderr, one JSON object per
# benchmark on stdout (DESIGN.md).
set -euo pipefail
BUILD=${BUILD:-build}
bin=${FLIPSCOPE_BIN:-$BUILD/flipscope}
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")" >&2
  "$b"
done
bash bench/w1.sh "$bin"
bash bench/telemetry.sh "$bin"
bash bench/tui.sh "$bin"
