#!/usr/bin/env bash
# e2e_tui.sh — the live TUI end to end in tmux (run by `make test`):
# start at 100x30 on the built-in glyphs, wait until the step counter moves,
# raise alpha with + in the filter pane and check the header shows the new
# value while the step keeps counting (no reset), pin the run and unpin it
# with u (the ghost goes), pause and check the step stops, export the
# charts, shrink to 40x12 and see the too-small screen, quit with q and
# check the exit code and that the terminal was restored;
# then the ASCII fallback in the C locale. Polls with timeouts, no fixed sleeps.
set -u
BIN=$(readlink -f "${FLIPSCOPE_BIN:-build/flipscope}")
command -v tmux >/dev/null || { echo "e2e_tui: tmux is not installed (make deps)"; exit 1; }
[ -x "$BIN" ] || { echo "e2e_tui: $BIN not found (make first)"; exit 1; }

DIR=$(mktemp -d /tmp/flipscope-e2e-tui.XXXXXX)
SOCK="flipscope-e2e-$$"
T="tmux -L $SOCK"
cleanup() { $T kill-server 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
START=$(date +%s.%N)

fail() {
  echo "e2e_tui: FAIL: $*"
  echo "--- screen ---"
  $T capture-pane -p -t e2e 2>/dev/null
  exit 1
}
screen() { $T capture-pane -p -t e2e 2>/dev/null; }
# wait_for PATTERN SECONDS: until the screen matches (grep -E)
wait_for() {
  local deadline=$(($(date +%s%N) + ${2} * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
step_now() { screen | grep -o 'step [0-9]*/' | head -1 | tr -dc '0-9'; }
# wait_step_above N SECONDS: until the step counter passes N
wait_step_above() {
  local deadline=$(($(date +%s%N) + ${2} * 1000000000)) s
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    s=$(step_now)
    [ -n "$s" ] && [ "$s" -gt "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
start() { # start LANG
  $T -u new-session -d -s e2e -x 100 -y 30 \
    "cd '$DIR' && env LANG=$1 TERM=screen-256color FLIPSCOPE_TUI_STATS='$DIR/stats.json' '$BIN' \
       --data glyphs --model mlp:64x64 --epochs 100000 --threads 1 --seed 3 2>'$DIR/stderr';
     echo \$? > '$DIR/exit'; stty -a > '$DIR/stty' 2>&1; echo RESTORED; sleep 30" \
    || fail "cannot start tmux"
}

# --- UTF-8 ---------------------------------------------------------------------
start C.UTF-8
wait_for 'filter cema' 10 || fail "the dashboard did not appear"
wait_for 'running' 5 || fail "no 'running' state"
s0=$(step_now)
wait_step_above "${s0:-0}" 10 || fail "the step counter does not move"
screen | grep -q 'alpha 0.001 ' || fail "the header does not show alpha 0.001"

# + on the first setting of the focused filter pane: alpha x 10^(1/4)
before=$(step_now)
$T send-keys -t e2e '+'
wait_for 'cema alpha 0.001778' 3 || fail "the header does not show alpha 0.001778 after +"
wait_step_above "$before" 5 || fail "the step stopped counting after +"
after=$(step_now)
[ "$after" -gt "$before" ] || fail "training restarted: step $before -> $after"

# pin the run (a ghost in the curves legend), then unpin it with u: no ghost
$T send-keys -t e2e 'p'
wait_for 'ghost cema' 3 || fail "no ghost in the curves pane after p"
$T send-keys -t e2e 'u'
wait_for 'unpinned' 3 || fail "no message after u"
screen | grep -q 'ghost cema' && fail "the ghost is still drawn after u"

# pause: the state says so and the step stops
$T send-keys -t e2e ' '
wait_for ' paused ' 3 || fail "no 'paused' state after space"
p1=$(step_now)
sleep 0.5
p2=$(step_now)
[ "$p1" = "$p2" ] || fail "the step moves while paused: $p1 -> $p2"

# export: a message says where; the charts are there
$T send-keys -t e2e 'e'
wait_for 'charts exported to' 30 || fail "no export message"
exported=$(ls -d "$DIR"/flipscope-charts-* 2>/dev/null | head -1)
[ -n "$exported" ] && [ -s "$exported/loss.gp" ] || fail "no charts in $DIR (got: $(ls "$DIR"))"

# too small, and q still works there
$T resize-window -t e2e -x 40 -y 12
wait_for 'terminal too small: need 80 x 24' 3 || fail "no too-small screen at 40x12"
$T send-keys -t e2e 'q'
wait_for 'RESTORED' 10 || fail "q did not quit"
[ "$(cat "$DIR/exit")" = "0" ] || fail "exit code $(cat "$DIR/exit"), stderr: $(cat "$DIR/stderr")"
grep -Eq '(^| )icanon( |$)' "$DIR/stty" && grep -Eq '(^| )echo( |$)' "$DIR/stty" \
  || fail "the terminal was not restored: $(cat "$DIR/stty")"
screen | grep -q 'filter cema' && fail "the dashboard is still on the screen after exit"
grep -q '"fps"' "$DIR/stats.json" || fail "no stats written"
stats=$(cat "$DIR/stats.json")
$T kill-server 2>/dev/null

# --- ASCII fallback in the C locale -----------------------------------------------
rm -f "$DIR/exit"
start C
wait_for '\+\[1 curves\]-' 10 || fail "no ASCII frame in the C locale"
screen | grep -q '╭' && fail "box-drawing glyphs in the C locale"
$T send-keys -t e2e 'q'
wait_for 'RESTORED' 10 || fail "q did not quit (C locale)"
[ "$(cat "$DIR/exit")" = "0" ] || fail "exit code $(cat "$DIR/exit") (C locale)"

END=$(date +%s.%N)
echo "e2e_tui: ok in $(echo "$END - $START" | bc)s; $stats"
