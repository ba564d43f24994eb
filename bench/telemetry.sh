#!/usr/bin/env bash
# Telemetry overhead (issue 5): W1 training throughput with all telemetry on
# against telemetry off. "On" is flip tracking in the optimizer blocks, the
# weight samples every step, the CSV and JSONL logs, and the distribution
# statistics at W1's default cadence: a run writes about 500 statistics
# records, so a 3-epoch W1 run (1800 steps) has them every 4 steps. The same
# with statistics every step is reported too (ratio_every_1).
# Runs alternate so all configurations see the same machine load, off and on
# in the other order each round (the second run of a pair tends to be the
# slower here); the best run of each counts, and the median of each round's
# on / off is given too.
# ratio = on / off (target >= 0.95). A human line goes to
# stderr, one JSON object to stdout.
set -euo pipefail
bin=${1:-build/flipscope}
steps=${TELEMETRY_BENCH_STEPS:-300}
runs=${TELEMETRY_BENCH_RUNS:-5}
every=${TELEMETRY_BENCH_EVERY:-4}
source "$(dirname "$0")/w1_common.sh"
w1_need telemetry "the telemetry benchmark"
w1_setup "$steps"

off_run() { field "$("$bin" $w1 --telemetry=false 2>/dev/null)" samples_per_s; }
on_run() { field "$("$bin" $w1 --telemetry --telemetry-every "$every" $logs 2>/dev/null)" samples_per_s; }
off=0 on=0 on1=0 pairs=""
for run in $(seq "$runs"); do
  if [ $((run % 2)) = 1 ]; then o=$(off_run); s=$(on_run); else s=$(on_run); o=$(off_run); fi
  off=$(max "$o" "$off")
  on=$(max "$s" "$on")
  pairs="$pairs $(ratio "$s" "$o" 3)"
  s=$(field "$("$bin" $w1 --telemetry --telemetry-every 1 $logs 2>/dev/null)" samples_per_s)
  on1=$(max "$s" "$on1")
done
ratio=$(ratio "$on" "$off" 3)
ratio1=$(ratio "$on1" "$off" 3)
paired=$(median $pairs)
printf '%-28s %10.0f samples/s on, %.0f off: ratio %s, median of rounds %s (target >= 0.95); statistics every step: %s\n' \
  "W1 telemetry overhead" "$on" "$off" "$ratio" "$paired" "$ratio1" >&2
echo "{\"bench\":\"telemetry_overhead\",\"samples_per_s_on\":$on,\"samples_per_s_off\":$off,\"telemetry_every\":$every,\"samples_per_s_every_1\":$on1,\"ratio_every_1\":$ratio1,\"ratio_median_of_rounds\":$paired,\"steps\":$steps,\"baseline\":\"telemetry off\",\"ratio\":$ratio}"
