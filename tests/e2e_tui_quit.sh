#!/usr/bin/env bash
# e2e_tui_quit.sh — the live view saves --save FILE when it ends (run by
# `make test`): on q (exit 0; after + the checkpoint holds the raised alpha),
# on SIGINT, SIGTERM and SIGHUP sent to it (exit 128 + the signal), and when
# its terminal goes away (tmux kills the pane: a real hangup). Each time the
# checkpoint must load (`flipscope checkpoint`) at a step the view had
# reached, and the terminal must be restored.
set -u
NAME=e2e_tui_quit
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
CKPT="$DIR/live.ckpt"
ARGS="--data glyphs --model mlp:64 --epochs 100000 --threads 1 --seed 7 --save $CKPT"

view_pid() { pgrep -P "$($T display-message -p -t e2e '#{pane_pid}')"; }
# check_checkpoint WHAT STEP: the checkpoint loads and is at STEP or later
check_checkpoint() {
  "$BIN" checkpoint "$CKPT" >"$DIR/ckpt.json" 2>"$DIR/ckpt.err" \
    || fail "$1: the checkpoint does not load: $(cat "$DIR/ckpt.err") (stderr: $(cat "$DIR/stderr"))"
  local at
  at=$(grep -o '"step":[0-9]*' "$DIR/ckpt.json" | tr -dc '0-9')
  [ "${at:-0}" -ge "$2" ] || fail "$1: the checkpoint is at step $at, the view had shown step $2"
  grep -q "checkpoint saved to $CKPT" "$DIR/stderr" || fail "$1: no 'saved' message: $(cat "$DIR/stderr")"
}

# --- q, after raising alpha ------------------------------------------------------
tui_start "LANG=C.UTF-8" "$ARGS"
wait_step_above 5 20 || fail "q: the dashboard did not start training"
seen=$STEP
$T send-keys -t e2e '+'
wait_for 'cema alpha 0.001778' 5 || fail "q: + did not raise alpha"
$T send-keys -t e2e q
code=$(wait_exit 20) || fail "q did not quit"
[ "$code" = 0 ] || fail "q: exit code $code: $(cat "$DIR/stderr")"
check_restored
check_checkpoint q "$seen"
grep -q 'alpha = 0.0017782' "$DIR/ckpt.json" || fail "q: the checkpoint does not hold the raised alpha"

# --- signals --------------------------------------------------------------------
for sig in INT:130 TERM:143 HUP:129; do
  rm -f "$CKPT"
  tui_start "LANG=C.UTF-8" "$ARGS"
  wait_step_above 5 20 || fail "SIG${sig%:*}: the dashboard did not start training"
  seen=$STEP
  kill -s "${sig%:*}" "$(view_pid)" || fail "SIG${sig%:*}: no view process to signal"
  code=$(wait_exit 20) || fail "SIG${sig%:*} did not stop the view"
  [ "$code" = "${sig#*:}" ] || fail "SIG${sig%:*}: exit code $code, not ${sig#*:}: $(cat "$DIR/stderr")"
  check_restored
  check_checkpoint "SIG${sig%:*}" "$seen"
  grep -q "stopped by signal" "$DIR/stderr" || fail "SIG${sig%:*}: no message on stderr"
done

# --- the terminal goes away ---------------------------------------------------------
rm -f "$CKPT"
tui_start "LANG=C.UTF-8" "$ARGS"
wait_step_above 5 20 || fail "hangup: the dashboard did not start training"
seen=$STEP
pid=$(view_pid)
$T kill-pane -t e2e
deadline=$(($(date +%s%N) + 20000000000))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s%N)" -lt "$deadline" ]; do sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail "hangup: the view still runs after its terminal closed"
check_checkpoint hangup "$seen"

END=$(date +%s.%N)
echo "$NAME: ok in $(echo "$END - $START" | bc)s"
