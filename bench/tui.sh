#!/usr/bin/env bash
# TUI benchmark (issue 6): W1 training throughput with the live TUI open
# versus headless, and the TUI's frame rate and key-to-screen latency while
# W1 trains. The TUI runs in a 120x40 tmux terminal (UTF-8, 256 colours),
# with keys pressed during training (layer, focus, alpha up and down); its
# figures come from FLIPSCOPE_TUI_STATS. Runs alternate, in the other order
# each round (the second run of a pair tends to be the slower here), best of
# three each, because the machine is shared. Throughput excludes test-set evaluation in
# both (headless: its phase times; TUI: wall time of the steps minus
# evaluation, which also counts the TUI's own per-step work). The median of
# each round's TUI / headless is given beside best over best.
# A human table goes to stderr, one JSON object to stdout.
set -euo pipefail
bin=$(readlink -f "${1:-build/flipscope}")
steps=${TUI_BENCH_STEPS:-400}
w1="--data fashion --model mlp:1024x1024 --batch 100 --threads 2 --steps $steps"
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "tui: dataset-fashion-mnist not installed; skipping the TUI benchmark" >&2
  exit 0
fi
command -v tmux >/dev/null || { echo "tui: tmux not installed; skipping" >&2; exit 0; }

source "$(dirname "$0")/w1_common.sh"

dir=$(mktemp -d /tmp/flipscope-bench-tui.XXXXXX)
sock="flipscope-bench-$$"
trap 'tmux -L $sock kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT

tui_run() {
  rm -f "$dir/stats.json" "$dir/exit"
  tmux -L "$sock" -u new-session -d -s b -x 120 -y 40 \
    "cd '$dir' && env LANG=C.UTF-8 TERM=screen-256color FLIPSCOPE_TUI_STATS='$dir/stats.json' \
       '$bin' $w1 2>/dev/null; echo \$? > '$dir/exit'; sleep 30"
  local t=0
  until tmux -L "$sock" capture-pane -p -t b | grep -q 'running'; do sleep 0.1; done
  sleep 1
  for k in l l Tab Tab Tab Tab + - l; do tmux -L "$sock" send-keys -t b "$k"; sleep 0.3; done
  until tmux -L "$sock" capture-pane -p -t b | grep -q ' done '; do sleep 0.2; done
  tmux -L "$sock" send-keys -t b q
  until [ -e "$dir/exit" ]; do sleep 0.1; done
  tmux -L "$sock" kill-server 2>/dev/null || true
  cat "$dir/stats.json"
}

best_h=0 best_t=0 stats="" pairs=""
for run in $(seq "${TUI_BENCH_RUNS:-3}"); do
  if [ $((run % 2)) = 1 ]; then
    h=$(field "$("$bin" --headless $w1 2>/dev/null)" samples_per_s)
    s=$(tui_run)
  else
    s=$(tui_run)
    h=$(field "$("$bin" --headless $w1 2>/dev/null)" samples_per_s)
  fi
  best_h=$(max "$best_h" "$h")
  sps=$(field "$s" samples_per_s)
  pairs="$pairs $(ratio "$sps" "$h" 3)"
  if awk "BEGIN{exit !($sps > $best_t)}"; then best_t=$sps; stats=$s; fi
done
ratio=$(ratio "$best_t" "$best_h" 3)
paired=$(median $pairs)
fps=$(field "$stats" fps)
gap=$(field "$stats" frame_gap_max_ms)
cost=$(field "$stats" frame_cost_ms)
key=$(field "$stats" key_to_screen_ms_max)
cmd=$(field "$stats" command_to_screen_ms_max)
printf '%-28s %10.0f samples/s  (headless %0.f: %.1f%%; median of rounds %s)\n' "W1 with the TUI open" \
  "$best_t" "$best_h" "$(awk "BEGIN{print 100 * $ratio}")" "$paired" >&2
printf '%-28s %10.1f frames/s  (longest gap %s ms, %s ms per frame)\n' "TUI redraw during W1" "$fps" "$gap" "$cost" >&2
printf '%-28s %10s ms key to screen, %s ms until a setting is applied\n' "TUI latency (max)" "$key" "$cmd" >&2
echo "{\"bench\":\"tui_w1\",\"tui_samples_per_s\":$best_t,\"headless_samples_per_s\":$best_h,\"fps\":$fps,\"frame_gap_max_ms\":$gap,\"frame_cost_ms\":$cost,\"key_to_screen_ms_max\":$key,\"command_to_screen_ms_max\":$cmd,\"ratio_median_of_rounds\":$paired,\"baseline\":\"headless W1, same build (goal: ratio >= 0.9)\",\"ratio\":$ratio}"
