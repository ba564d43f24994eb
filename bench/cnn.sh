#!/usr/bin/env bash
# The binary CNN against the same network in PyTorch (issue 13): training
# throughput and peak resident memory of
#   --data fashion --model CNN_SPEC --real-first --real-last --batch 100 --threads 2
# (CNN_SPEC default cnn:c32-c32-p-c64-c64-p-f256, stride 1) with CEMA and with
# latent Adam, CNN_STEPS steps a run (default 100; flipscope's rate covers all
# of them, the peer's all but its first 10), against bench/peer_torch.py on the
# same spec and optimizer. Each of CNN_RUNS rounds (default 3) runs, in
# turn, so that the machine's load falls on both alike:
#   flipscope CEMA (default precision), PyTorch CEMA (its default set-up),
#   flipscope CEMA in the other precision (where both run), PyTorch CEMA tuned
#   (torch.set_num_threads(2), OPENBLAS_NUM_THREADS=1, OpenBLAS told the core
#   flipscope's OpenBLAS found), flipscope Adam, PyTorch Adam (the set-up that
#   was faster for CEMA so far).
# The peer's figure is its faster set-up's. Ratios are flipscope / PyTorch,
# best over best and median over median. Before timing it checks that both
# build the same network: the same binary layers (inputs and outputs of each),
# and the peer, given the weights of a 10-step fp32 flipscope run's checkpoint,
# classifies the test split as flipscope did (within 0.1 point); if not, the
# script ends with status 1.
# A human table goes to stderr, one JSON object per benchmark to stdout.
set -euo pipefail
bin=${1:-build/flipscope}
source "$(dirname "$0")/w1_common.sh"
w1_need cnn "the CNN benchmark"
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "cnn: python3-torch is not installed (scripts/deps.sh --bench); skipping the CNN benchmark" >&2
  exit 0
fi
spec=${CNN_SPEC:-cnn:c32-c32-p-c64-c64-p-f256}
steps=${CNN_STEPS:-100} rounds=${CNN_RUNS:-3}
[ "$steps" -gt 10 ] || { echo "cnn: CNN_STEPS must be above 10 (the peer's warm-up)" >&2; exit 2; }
[ "$rounds" -ge 1 ] || { echo "cnn: CNN_RUNS must be at least 1" >&2; exit 2; }
model="--model $spec --real-first --real-last"
run="--headless --data fashion $model --batch 100 --threads 2 --steps $steps"
# The peer trains as many steps (so test accuracies compare) and times the last steps - 10.
peer="bench/peer_torch.py $model --steps $((steps - 10)) --warmup 10 --test"
precisions=$(precisions_of "$bin")
default=$(default_precision_of "$bin")
other=$(tr ' ' '\n' <<<"$precisions" | grep -vx "$default" || true) # the other one, where it runs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The same network: the binary layers' "in,out" pairs, one per line (flipscope's
# from its telemetry header, the peer's from its summary), and the test accuracy
# of a 10-step fp32 run's checkpoint in the peer against flipscope's own.
o=$("$bin" --headless --data fashion $model --steps 10 --threads 2 --precision fp32 \
    --log-jsonl "$tmp/log.jsonl" --save "$tmp/run.ckpt" 2>/dev/null)
mine=$(head -n 1 "$tmp/log.jsonl" | grep -o '"in":[0-9]*,"out":[0-9]*' | sed 's/"in":\([0-9]*\),"out":/\1,/')
theirs=$("$py" bench/peer_torch.py $model --steps 1 --warmup 0 |
         sed -n 's/.*"binary_layers":\[\[\([^a-z]*\)\]\].*/\1/p' | sed 's/\],\[/\n/g')
if [ -z "$mine" ] || [ "$mine" != "$theirs" ]; then
  echo "cnn: flipscope and the PyTorch peer build different binary layers for $spec:" \
       "flipscope $(echo $mine), PyTorch $(echo $theirs)" >&2
  exit 1
fi
acc_mine=$(field "$o" test_acc)
acc_theirs=$(field "$("$py" bench/peer_torch.py $model --eval-checkpoint "$tmp/run.ckpt")" test_acc)
# Rounding may differ where a sum lands next to 0: 10 of the 10,000 test images at most.
if [ -z "$acc_theirs" ] || awk "BEGIN{d = $acc_mine - $acc_theirs; exit !(d > 0.001 || d < -0.001)}"; then
  echo "cnn: the PyTorch peer with flipscope's weights gives test accuracy ${acc_theirs:-none}," \
       "flipscope $acc_mine: not the same network" >&2
  exit 1
fi
printf '%-28s %10s            (binary layers %s; test acc of the same weights %s / %s)\n' \
  "CNN same network in PyTorch" yes "$(echo $mine)" "$acc_mine" "$acc_theirs" >&2

declare -A sps rss acc                     # per run kind: lists of figures
record() { # KIND OUTPUT WHAT: adds a run's figures to KIND's; ends the script if it gave none
  if [ -z "$(field "$2" samples_per_s)" ]; then
    echo "cnn: $3 on $spec gave no summary" >&2
    exit 1
  fi
  sps[$1]="${sps[$1]:-} $(field "$2" samples_per_s)"
  rss[$1]="${rss[$1]:-} $(field "$2" peak_rss_mb)"
  acc[$1]="${acc[$1]:-} $(field "$2" test_acc)"
}
flipscope_run() { # KIND ARGS...: one flipscope run, its figures under KIND
  local kind=$1 o
  shift
  o=$("$bin" $run "$@" 2>/dev/null) || true
  record "$kind" "$o" "flipscope $kind"
  printf '%-28s %10.0f samples/s  %7.1f MB  test acc %s  (%s)\n' "CNN flipscope $kind" \
    "$(field "$o" samples_per_s)" "$(field "$o" peak_rss_mb)" "$(field "$o" test_acc)" \
    "$(sed -n 's/.*"precision":"\([a-z0-9]*\)".*/\1/p' <<<"$o")" >&2
}
peer_run() { # OPT NAME ENV THREADS: one peer run in a set-up, its figures under peer.OPT.NAME
  local kind="peer.$1.$2" o
  o=$(env $3 "$py" $peer --opt "$1" ${4:+--threads "$4"} 2>/dev/null) || true
  record "$kind" "$o" "the PyTorch peer ($1, $2 set-up)"
  printf '%-28s %10.0f samples/s  %7.1f MB  test acc %s  (%s, %s torch threads)\n' \
    "CNN PyTorch $1" "$(field "$o" samples_per_s)" "$(field "$o" peak_rss_mb)" \
    "$(field "$o" test_acc)" "${3:-default environment}" "$(field "$o" torch_threads)" >&2
}
fastest_setup() { # OPT: the peer set-up with the fastest run of OPT so far
  local name fastest="" top=0 b
  for name in default tuned; do
    [ -n "${sps[peer.$1.$name]:-}" ] || continue
    b=$(best ${sps[peer.$1.$name]})
    if awk "BEGIN{exit !($b > $top)}"; then top=$b fastest=$name; fi
  done
  echo "$fastest"
}
blas=$(field "$("$bin" --headless --data spiral --steps 1 2>/dev/null)" blas_core | tr -d '"')
tuned_env="OPENBLAS_NUM_THREADS=1${blas:+ OPENBLAS_CORETYPE=$blas}"
declare -A setup_env=([default]="" [tuned]="$tuned_env") setup_threads=([default]="" [tuned]=2)
for round in $(seq "$rounds"); do
  flipscope_run "cema.$default" --opt cema
  peer_run cema default "" ""
  [ -z "$other" ] || flipscope_run "cema.$other" --opt cema --precision "$other"
  peer_run cema tuned "$tuned_env" 2
  flipscope_run "adam.$default" --opt adam
  name=$(fastest_setup cema)
  peer_run adam "$name" "${setup_env[$name]}" "${setup_threads[$name]}"
done

setup_text() { # NAME: the peer set-up in words
  echo "${setup_env[$1]:-default environment}, ${setup_threads[$1]:-default} torch threads"
}
list() { echo $* | tr ' ' ','; }
torch_version=$("$py" -c 'import torch; print(torch.__version__)')
for kind in "cema.$default" ${other:+"cema.$other"} "adam.$default"; do
  [ -n "${sps[$kind]:-}" ] || continue
  opt=${kind%%.*} precision=${kind#*.}
  name=$(fastest_setup "$opt")
  mine=${sps[$kind]} theirs=${sps[peer.$opt.$name]}
  r=$(ratio "$(best $mine)" "$(best $theirs)") rm=$(ratio "$(median $mine)" "$(median $theirs)")
  printf '%-28s %10s x          (median %s x; flipscope %s, best %s; PyTorch %s, best %s)\n' \
    "CNN $opt vs PyTorch (tuned)" "$r" "$rm" "$precision" "$(best $mine)" "$(setup_text "$name")" \
    "$(best $theirs)" >&2
  echo "{\"bench\":\"cnn_pytorch_peer_$opt$([ "$precision" = "$default" ] || echo "_$precision")\",\"model\":\"$spec real-first real-last\",\"steps\":$steps,\"precision\":\"$precision\",\"samples_per_s\":$(best $mine),\"median\":$(median $mine),\"runs\":[$(list $mine)],\"test_acc\":[$(list ${acc[$kind]})],\"peer_samples_per_s\":$(best $theirs),\"peer_median\":$(median $theirs),\"peer_runs\":[$(list $theirs)],\"peer_test_acc\":[$(list ${acc[peer.$opt.$name]})],\"peer_config\":\"$(setup_text "$name")\",\"baseline\":\"PyTorch $torch_version, same network and optimizer, fastest set-up, same make bench\",\"ratio\":$r,\"ratio_median\":$rm}"
done
# Peak memory: the largest of flipscope's CEMA runs in the default precision and
# of the peer's CEMA runs in its faster set-up.
name=$(fastest_setup cema)
mine=$(best ${rss[cema.$default]}) theirs=$(best ${rss[peer.cema.$name]})
printf '%-28s %10.1f MB         (PyTorch %.1f MB, same spec and CEMA, %s)\n' \
  "CNN peak resident memory" "$mine" "$theirs" "$(setup_text "$name")" >&2
echo "{\"bench\":\"cnn_peak_rss\",\"model\":\"$spec real-first real-last\",\"peak_rss_mb\":$mine,\"peer_peak_rss_mb\":$theirs,\"peer_config\":\"$(setup_text "$name")\",\"baseline\":\"PyTorch $torch_version, same network and CEMA\",\"ratio\":$(ratio "$theirs" "$mine")}"
