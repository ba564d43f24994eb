# w1_common.sh — sourced by the benchmarks that time runs against each other
# (w1.sh, telemetry.sh, trace.sh, tui.sh, cnn.sh, peer_torch.sh): the data set check, reading
# flipscope's JSON summary, and the best and median of repeated runs.

# w1_need NAME WHAT: ends the script (exit 0) with a note when Fashion-MNIST is missing.
w1_need() {
  if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "$1: dataset-fashion-mnist not installed; skipping $2" >&2
    exit 0
  fi
}

# field JSON KEY: the value of KEY in a one-line JSON object (flipscope's, or
# Python's with a space after the colon).
field() { sed -n "s/.*\"$2\": *\\([^,}]*\\).*/\\1/p" <<<"$1"; }
# max A B: the larger number.
max() { awk "BEGIN{print ($1 > $2) ? $1 : $2}"; }
# best N...: the largest of the numbers given; median N...: their median.
best() { printf '%s\n' "$@" | sort -g | tail -n 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# precisions_of BIN: "fp32 bf16" where this CPU runs bf16 (AMX-BF16 or AVX-512
# BF16), else "fp32".
precisions_of() {
  if "$1" --headless --data spiral --steps 1 --precision bf16 >/dev/null 2>&1; then
    echo "fp32 bf16"
  else
    echo fp32
  fi
}
# default_precision_of BIN: the precision flipscope runs without --precision
# (bf16 only on AMX).
default_precision_of() {
  "$1" --headless --data spiral --steps 1 2>/dev/null | sed -n 's/.*"precision":"\([a-z0-9]*\)".*/\1/p'
}
# ratio A B [D]: A / B to D decimals (default 2). The overhead benchmarks also
# take each round's A against its own B to three: on a machine whose speed
# drifts from minute to minute, the median of those is steadier than best
# over best.
ratio() { awk "BEGIN{printf \"%.${3:-2}f\", $1 / $2}"; }

# The W1 workload of STEPS steps ($1) as flags, in $w1; a temporary directory
# (removed on exit) and, in $logs, the flags that write both logs into it.
w1_setup() {
  w1="--headless --data fashion --model mlp:1024x1024 --batch 100 --threads 2 --steps $1"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  logs="--log $tmp/log.csv --log-jsonl $tmp/log.jsonl"
}
