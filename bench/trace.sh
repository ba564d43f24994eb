#!/usr/bin/env bash
# Weight-trace overhead (issue 11): W1 training throughput with 8 traced
# weights (--trace-weights 0:17,0:4242,...: a trace record per step) against
# the same run without them. Both runs write the same telemetry and logs, so
# the difference is the capture after each optimizer step and the records.
# Runs alternate so both see the same machine load, each round in the other
# order (the second run of a pair tends to be the slower here); the best run
# of each counts, and the median of each round's traced / untraced is given too.
# ratio = traced / untraced (target >= 0.99). A human line goes to
# stderr, one JSON object to stdout.
set -euo pipefail
bin=${1:-build/flipscope}
steps=${TRACE_BENCH_STEPS:-300}
runs=${TRACE_BENCH_RUNS:-5}
weights="0:17,0:4242,0:500000,1:9,1:77777,1:1048575,2:3,2:10239"
source "$(dirname "$0")/w1_common.sh"
w1_need trace "the trace benchmark"
w1_setup "$steps"

plain_run() { field "$("$bin" $w1 $logs 2>/dev/null)" samples_per_s; }
traced_run() { field "$("$bin" $w1 $logs --trace-weights "$weights" 2>/dev/null)" samples_per_s; }
plain=0 traced=0 pairs=""
for run in $(seq "$runs"); do
  if [ $((run % 2)) = 1 ]; then p=$(plain_run); t=$(traced_run); else t=$(traced_run); p=$(plain_run); fi
  plain=$(max "$p" "$plain")
  traced=$(max "$t" "$traced")
  pairs="$pairs $(ratio "$t" "$p" 3)"
done
ratio=$(ratio "$traced" "$plain" 4)
paired=$(median $pairs)
printf '%-28s %10.0f samples/s traced, %.0f untraced: ratio %s, median of rounds %s (target >= 0.99)\n' \
  "W1 trace of 8 weights" "$traced" "$plain" "$ratio" "$paired" >&2
echo "{\"bench\":\"trace_overhead\",\"samples_per_s_traced\":$traced,\"samples_per_s_untraced\":$plain,\"traced_weights\":8,\"steps\":$steps,\"ratio_median_of_rounds\":$paired,\"baseline\":\"the same run without --trace-weights\",\"ratio\":$ratio}"
