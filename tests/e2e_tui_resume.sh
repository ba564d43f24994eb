#!/usr/bin/env bash
# e2e_tui_resume.sh — the live view keeps its --log across a stop and a
# --load (run by `make test`): a view quit with q saves a checkpoint that marks
# where its log stands; a second view with --load and the same --log
# continues that log; a headless resume continues it again. At the end the
# log holds every step from 1 exactly once, in order.
set -u
NAME=e2e_tui_resume
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
ARGS="--data glyphs --model mlp:64 --threads 1 --seed 3 --log $DIR/run.csv --save $DIR/run.ckpt"

# quit_after STEPS: waits until the view passes STEPS, quits with q
quit_after() {
  wait_step_above "$1" 20 || fail "the view did not pass step $1 in 20 s"
  $T send-keys -t e2e q
  [ "$(wait_exit 20)" = 0 ] || fail "q did not exit 0: $(cat "$DIR/stderr")"
}
# check_log: every step 1..N exactly once, in order; prints N
check_log() {
  awk -F, 'NR > 1 && $1 != NR - 1 { print "row " NR ": step " $1; bad = 1; exit }
           END { if (!bad) print NR - 1 }' "$DIR/run.csv"
}

tui_start "LANG=C.UTF-8" "$ARGS --epochs 100000"
quit_after 20
first=$(check_log)
[[ "$first" =~ ^[0-9]+$ ]] || fail "after the first view: $first"
tui_start "LANG=C.UTF-8" "--load $DIR/run.ckpt $ARGS --epochs 100000"
quit_after $((first + 20))
second=$(check_log)
[[ "$second" =~ ^[0-9]+$ ]] && [ "$second" -gt "$first" ] || fail "after the resumed view: $second (first $first)"
"$BIN" --headless --load "$DIR/run.ckpt" --log "$DIR/run.csv" --steps $((second + 30)) \
  >/dev/null 2>"$DIR/stderr" || fail "the headless resume failed: $(cat "$DIR/stderr")"
third=$(check_log)
[ "$third" = $((second + 30)) ] || fail "after the headless resume: $third, want $((second + 30))"
echo "e2e_tui_resume: ok in $(echo "$(date +%s.%N) - $START" | bc)s; log steps 1..$first, ..$second (live" \
  "--load), ..$third (headless --load), each once"
