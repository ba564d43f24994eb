#!/usr/bin/env bash
# e2e_tui.sh — the live TUI end to end in tmux (run by `make test`):
# start at 100x30 on the built-in glyphs, wait until the step counter moves,
# raise alpha with + in the filter pane and check the header shows the new
# value while the step keeps counting (no reset), pin the run and unpin it
# with u (the ghost goes), pause and check the step stops, o Enter on the
# running optimizer says so and P Enter asks first (n keeps the run), export the
# charts, shrink to 40x12 and see the too-small screen, quit with q and
# check the exit code and that the terminal was restored;
# then the ASCII fallback in the C locale; then terminals that cannot show
# the view (TERM=dumb, an unknown TERM): the run trains headless and stderr
# says why. Polls with timeouts.
set -u
NAME=e2e_tui
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
ARGS="--data glyphs --model mlp:64x64 --epochs 100000 --threads 1 --seed 3"

# --- UTF-8 ---------------------------------------------------------------------
tui_start "LANG=C.UTF-8 FLIPSCOPE_TUI_STATS=$DIR/stats.json" "$ARGS"
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

# o Enter on the running optimizer says so; P Enter asks before loading (a restart)
$T send-keys -t e2e 'o' Enter
wait_for 'already running cema' 3 || fail "o Enter on the running optimizer said nothing"
$T send-keys -t e2e 'P' Enter
wait_for 'Load preset wd-filter\? Training restarts from step 0' 3 || fail "P Enter did not ask first"
$T send-keys -t e2e 'n'
sleep 0.3
screen | grep -q 'Load preset' && fail "the question stayed up after n"
screen | grep -q 'flipscope  cema' || fail "n loaded the preset all the same"

# export: a message says where; the charts are there
$T send-keys -t e2e 'e'
wait_for 'charts exported to' 30 || fail "no export message"
exported=$(ls -d "$DIR"/flipscope-charts-* 2>/dev/null | head -1)
[ -n "$exported" ] && [ -s "$exported/loss.gp" ] || fail "no charts in $DIR (got: $(ls "$DIR"))"

# too small, and q still works there
$T resize-window -t e2e -x 40 -y 12
wait_for 'terminal too small: need 80 x 24' 3 || fail "no too-small screen at 40x12"
$T send-keys -t e2e 'q'
code=$(wait_exit 10) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code, stderr: $(cat "$DIR/stderr")"
check_restored
screen | grep -q 'filter cema' && fail "the dashboard is still on the screen after exit"
grep -q '"fps"' "$DIR/stats.json" || fail "no stats written"
stats=$(cat "$DIR/stats.json")

# --- ASCII fallback in the C locale -----------------------------------------------
tui_start "LANG=C" "$ARGS"
wait_for '\+\[1 curves\]-' 10 || fail "no ASCII frame in the C locale"
screen | grep -q '╭' && fail "box-drawing glyphs in the C locale"
$T send-keys -t e2e 'q'
code=$(wait_exit 10) || fail "q did not quit (C locale)"
[ "$code" = 0 ] || fail "exit code $code (C locale)"

# --- a terminal that cannot show the view: headless, and stderr says why -----------
for case in "dumb:the terminal TERM=dumb cannot move the cursor" \
            "nosuch-term:the terminal type TERM=nosuch-term is unknown"; do
  tui_start "TERM=${case%%:*}" "--data glyphs --model mlp:16 --steps 5 --threads 1"
  code=$(wait_exit 20) || fail "TERM=${case%%:*}: the headless run did not end"
  [ "$code" = 0 ] || fail "TERM=${case%%:*}: exit code $code: $(cat "$DIR/stderr")"
  grep -qx "flipscope: ${case#*:}: training headless" "$DIR/stderr" \
    || fail "TERM=${case%%:*}: stderr does not say why: $(cat "$DIR/stderr")"
  $T capture-pane -p -J -t e2e | grep -q '"steps":5,' || fail "TERM=${case%%:*}: no headless summary"
done

END=$(date +%s.%N)
echo "$NAME: ok in $(echo "$END - $START" | bc)s; $stats"
