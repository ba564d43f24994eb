#!/usr/bin/env bash
# W1 benchmarks (issues 2 and 12): training throughput with CEMA in fp32 and
# bf16, phase shares, peak memory, start-up time, and 3-epoch accuracy of
# latent Adam and of CEMA in both precisions, then a small CEMA sweep.
# Reference workload W1:
#   --data fashion --model mlp:1024x1024 --batch 100 --threads 2
# A human table goes to stderr, one JSON object per benchmark to stdout.
# W1_RUNS (default 3) sets the throughput runs per precision, W1_STEPS (600)
# their length, W1_EPOCHS (3) the accuracy runs' (shorter ones for a check).
set -euo pipefail
bin=${1:-build/flipscope}
w1="--headless --data fashion --model mlp:1024x1024 --batch 100 --threads 2"
source "$(dirname "$0")/w1_common.sh"
w1_need w1 "W1 benchmarks"
json_list() { echo "$*" | tr ' ' ','; }
steps=${W1_STEPS:-600} epochs=${W1_EPOCHS:-3}

precisions=$(precisions_of "$bin")
default=$(default_precision_of "$bin")

# Throughput: one-epoch runs (600 steps, W1_STEPS), fp32 and bf16 in turn so that the
# machine's load falls on both alike; best and median of each.
declare -A list out
for run in $(seq "${W1_RUNS:-3}"); do
  for p in $precisions; do
    o=$("$bin" $w1 --opt cema --steps "$steps" --precision "$p" 2>/dev/null)
    s=$(field "$o" samples_per_s)
    list[$p]="${list[$p]:-} $s"
    if [ -z "${out[$p]:-}" ] || awk "BEGIN{exit !($s > $(field "${out[$p]}" samples_per_s))}"; then
      out[$p]=$o
    fi
  done
done
for p in $precisions; do
  b=$(best ${list[$p]}) m=$(median ${list[$p]})
  phases=$(sed -n 's/.*"phase_share":\({[^}]*}\).*/\1/p' <<<"${out[$p]}")
  name=w1_throughput_cema; [ "$p" = "$default" ] || name=w1_throughput_cema_$p
  printf '%-28s %10.0f samples/s  (median %.0f)  %s  phases %s\n' "W1 CEMA throughput" "$b" "$m" \
    "$p" "$phases" >&2
  echo "{\"bench\":\"$name\",\"samples_per_s\":$b,\"median\":$m,\"precision\":\"$p\",\"phase_share\":$phases,\"baseline\":\"fp32, same run (PyTorch: w1_pytorch_peer)\",\"ratio\":$(ratio "$b" "$(best ${list[fp32]})")}"
done
if [ "$precisions" = "fp32 bf16" ]; then
  r=$(ratio "$(best ${list[bf16]})" "$(best ${list[fp32]})")
  rm=$(ratio "$(median ${list[bf16]})" "$(median ${list[fp32]})")
  printf '%-28s %10s x          (median %s x, same run)\n' "W1 CEMA bf16 / fp32" "$r" "$rm" >&2
  echo "{\"bench\":\"w1_bf16_vs_fp32\",\"bf16_samples_per_s\":[$(json_list ${list[bf16]})],\"fp32_samples_per_s\":[$(json_list ${list[fp32]})],\"baseline\":\"fp32, same run\",\"ratio\":$r,\"ratio_median\":$rm}"
fi
best_out=${out[$default]}
rss=$(field "$best_out" peak_rss_mb)
startup=$(field "$best_out" startup_s)
printf '%-28s %10.1f MB         (PyTorch: ~650 MB)\n' "W1 peak resident memory" "$rss" >&2
printf '%-28s %10.3f s          (target: < 1 s)\n' "W1 start to first step" "$startup" >&2
echo "{\"bench\":\"w1_peak_rss\",\"peak_rss_mb\":$rss,\"baseline\":\"PyTorch, about 650 MB\",\"ratio\":$(ratio 650 "$rss")}"
echo "{\"bench\":\"w1_startup\",\"startup_s\":$startup,\"baseline\":\"target 1 s\",\"ratio\":$(ratio 1 "$startup")}"

# Accuracy: 3 epochs of latent Adam at lr 1e-3 and of CEMA's defaults, in
# each precision (target for Adam: 87.0 %; bf16 against fp32 of the same run).
declare -A acc
curves=$(mktemp -d)
trap 'rm -rf "$curves"' EXIT
for opt in adam cema; do
  for p in $precisions; do
    args="--opt $opt --epochs $epochs --precision $p"
    [ $opt = adam ] && args="$args --lr 1e-3 --eval-every 100 --log $curves/adam_$p.csv"
    out=$("$bin" $w1 $args 2>/dev/null)
    acc[$opt.$p]=$(field "$out" test_acc)
    printf '%-28s %10.4f            %s%s\n' "W1 $opt 3-epoch test acc" "${acc[$opt.$p]}" "$p" \
      "$([ $opt = adam ] && echo ' (target: 0.870)')" >&2
    if [ $opt = adam ]; then
      echo "{\"bench\":\"w1_accuracy_adam\",\"precision\":\"$p\",\"test_acc\":${acc[$opt.$p]},\"baseline\":\"target 0.870\",\"ratio\":$(awk "BEGIN{printf \"%.4f\", ${acc[$opt.$p]}/0.870}")}"
      # Time to 85 %: the first evaluation (every 100 steps) at or above 0.85, in
      # training seconds (train_s excludes the evaluations) at this run's step time.
      at=$(awk -F, 'NR > 1 && $6 != "" && $6 >= 0.85 { print $1; exit }' "$curves/adam_$p.csv")
      if [ -n "$at" ]; then
        t85=$(awk "BEGIN{printf \"%.2f\", $at * $(field "$out" train_s) / $(field "$out" steps)}")
        printf '%-28s %10s s          %s, step %s (target: <= 2 s)\n' "W1 Adam time to 85 % test" "$t85" "$p" "$at" >&2
        echo "{\"bench\":\"w1_time_to_85\",\"precision\":\"$p\",\"step\":$at,\"train_s\":$t85,\"baseline\":\"target 2 s\",\"ratio\":$(ratio 2 "$t85")}"
      else
        printf '%-28s %10s            %s: never reached 85 %% in %s epochs\n' "W1 Adam time to 85 % test" "-" "$p" "$epochs" >&2
      fi
    fi
  done
done
if [ "$precisions" = "fp32 bf16" ]; then
  for opt in adam cema; do
    d=$(awk "BEGIN{printf \"%.4f\", ${acc[$opt.bf16]} - ${acc[$opt.fp32]}}")
    echo "{\"bench\":\"w1_accuracy_${opt}_bf16_vs_fp32\",\"bf16_test_acc\":${acc[$opt.bf16]},\"fp32_test_acc\":${acc[$opt.fp32]},\"difference\":$d,\"baseline\":\"fp32, same run\",\"ratio\":$(awk "BEGIN{printf \"%.4f\", ${acc[$opt.bf16]}/${acc[$opt.fp32]}}")}"
  done
fi
for alpha in ${CEMA_ALPHAS:-1e-4 3e-4 1e-3 3e-3}; do
  for gamma in ${CEMA_GAMMAS:-1e-2 1e-1}; do
    out=$("$bin" $w1 --opt cema --alpha "$alpha" --gamma "$gamma" --epochs "$epochs" 2>/dev/null)
    a=$(field "$out" test_acc)
    printf '%-28s %10.4f            alpha %s gamma %s (%s)\n' "W1 CEMA 3-epoch test acc" "$a" "$alpha" "$gamma" "$default" >&2
    echo "{\"bench\":\"w1_accuracy_cema\",\"alpha\":$alpha,\"gamma\":$gamma,\"precision\":\"$default\",\"test_acc\":$a,\"baseline\":\"latent Adam target 0.865\",\"ratio\":$(awk "BEGIN{printf \"%.4f\", $a/0.865}")}"
  done
done
