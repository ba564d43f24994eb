#!/usr/bin/env bash
# The PyTorch peer of W1 (bench/peer_torch.py on its default mlp:1024x1024 and
# CEMA; Debian's python3-torch, which
# `scripts/deps.sh --bench` installs): the same network and optimizer, tuned
# fairly. PyTorch's default set-up runs its own threads and OpenBLAS's on the
# same cores, and Debian's OpenBLAS picks slow kernels on recent Xeons unless
# told the core (as flipscope tells it, README "How it is built"); so each
# set-up below runs PEER_RUNS times (default 2), in turn with flipscope's own
# W1 CEMA run of as many steps (in its default precision, and in bf16 too
# where bf16 runs but is not the default, as with AVX-512 BF16 on AMD; the
# first argument is the binary), so that the machine's load falls on both
# alike; the fastest run of the fastest set-up is the peer. ratio =
# flipscope's best samples/s / the peer's, from these same runs.
set -euo pipefail
bin=${1:-build/flipscope}
steps=${PEER_STEPS:-300}
limit=${PEER_TIMEOUT:-120} # seconds: a set-up whose threads spin against each other is stopped
w1="--headless --data fashion --model mlp:1024x1024 --batch 100 --threads 2 --opt cema"
py=/usr/bin/python3
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] ||
   ! "$py" -c 'import torch' 2>/dev/null; then
  echo "peer_torch: python3-torch or the data set is not installed (scripts/deps.sh --bench); skipping the PyTorch peer" >&2
  exit 0
fi
source "$(dirname "$0")/w1_common.sh"
# Each set-up: its environment and torch.set_num_threads ("" leaves PyTorch's own).
configs=("|" "OPENBLAS_NUM_THREADS=1|2" "OPENBLAS_NUM_THREADS=1|1"
         "OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX|2"
         "OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX|1")
best=0 best_name="" all="" flipscope_sps=0 precision="" bf16_sps=0
also_bf16=""
if [ "$(precisions_of "$bin")" = "fp32 bf16" ] && [ "$(default_precision_of "$bin")" = fp32 ]; then
  also_bf16=1
fi
for run in $(seq "${PEER_RUNS:-2}"); do
  o=$("$bin" $w1 --steps "$steps" 2>/dev/null)
  s=$(field "$o" samples_per_s) precision=$(sed -n 's/.*"precision":"\([a-z0-9]*\)".*/\1/p' <<<"$o")
  printf '%-28s %10.0f samples/s  (%s)\n' "W1 flipscope" "$s" "$precision" >&2
  flipscope_sps=$(awk "BEGIN{print ($s > $flipscope_sps) ? $s : $flipscope_sps}")
  if [ -n "$also_bf16" ]; then
    s=$(field "$("$bin" $w1 --steps "$steps" --precision bf16 2>/dev/null)" samples_per_s)
    printf '%-28s %10.0f samples/s  (bf16)\n' "W1 flipscope" "$s" >&2
    bf16_sps=$(awk "BEGIN{print ($s > $bf16_sps) ? $s : $bf16_sps}")
  fi
  for c in "${configs[@]}"; do
    IFS='|' read -r envs threads <<<"$c"
    name="${envs:-default environment}, ${threads:-default} torch threads"
    out=$(timeout "$limit" env $envs "$py" bench/peer_torch.py --steps "$steps" ${threads:+--threads "$threads"} 2>/dev/null || true)
    s=$(field "$out" samples_per_s)
    if [ -z "$s" ]; then
      printf '%-28s %10s            (%s: over %s s, stopped)\n' "W1 PyTorch peer" "-" "$name" "$limit" >&2
      continue
    fi
    printf '%-28s %10.0f samples/s  (%s)\n' "W1 PyTorch peer" "$s" "$name" >&2
    all="$all{\"config\":\"$name\",\"samples_per_s\":$s},"
    if awk "BEGIN{exit !($s > $best)}"; then best=$s best_name=$name; fi
  done
done
[ "$best" != 0 ] || { echo "peer_torch: no run of the PyTorch peer succeeded" >&2; exit 0; }
torch_version=$("$py" -c 'import torch; print(torch.__version__)')
ratio=$(awk "BEGIN{printf \"%.2f\", $flipscope_sps / $best}")
printf '%-28s %10s x          (flipscope %s samples/s in %s / PyTorch %s, %s)\n' \
  "W1 vs PyTorch (tuned)" "$ratio" "$flipscope_sps" "$precision" "$best" "$best_name" >&2
echo "{\"bench\":\"w1_pytorch_peer\",\"samples_per_s\":$best,\"config\":\"$best_name\",\"runs\":[${all%,}],\"flipscope_samples_per_s\":$flipscope_sps,\"flipscope_precision\":\"$precision\",\"baseline\":\"PyTorch $torch_version, fastest set-up, same make bench\",\"ratio\":$ratio}"
if [ -n "$also_bf16" ]; then
  ratio=$(awk "BEGIN{printf \"%.2f\", $bf16_sps / $best}")
  printf '%-28s %10s x          (flipscope %s samples/s in bf16 / PyTorch %s, %s)\n' \
    "W1 vs PyTorch (tuned)" "$ratio" "$bf16_sps" "$best" "$best_name" >&2
  echo "{\"bench\":\"w1_pytorch_peer_bf16\",\"samples_per_s\":$best,\"config\":\"$best_name\",\"flipscope_samples_per_s\":$bf16_sps,\"flipscope_precision\":\"bf16\",\"baseline\":\"PyTorch $torch_version, fastest set-up, same make bench\",\"ratio\":$ratio}"
fi
