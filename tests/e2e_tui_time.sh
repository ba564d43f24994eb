#!/usr/bin/env bash
# e2e_tui_time.sh — time under the user's control, end to end in tmux (run by
# `make test`): a live run started without --epochs or --steps trains past
# the default 3 epochs' steps with no length in the header or the filter
# pane, and < / > change the header's pace; then --pace 2 advances about 2
# steps per second (measured over 3 s), a run reaching its --steps length
# pauses with the done message and stays there, and raising the length
# with + on the filter pane's length row goes on from where it was.
set -u
NAME=e2e_tui_time
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
ARGS="--data glyphs --model mlp:32 --threads 1 --seed 3"

# --- no length: past 3 epochs (120 steps each at batch 100), < and > --------------
tui_start "LANG=C.UTF-8" "$ARGS"
wait_for 'filter cema' 10 || fail "the dashboard did not appear"
wait_step_above 400 20 || fail "a run without a length stopped at step ${STEP:-?}"
screen | grep -Eq 'step [0-9]+/' && fail "the header shows a length for a run without one"
screen | grep -q 'length    none: until q' || fail "the filter pane does not show 'length none'"
screen | grep -q 'pace max' || fail "the header does not show 'pace max'"
$T send-keys -t e2e '<'
wait_for 'pace 50/s' 3 || fail "the header does not show 'pace 50/s' after <"
$T send-keys -t e2e '<' '<'
wait_for 'pace 10/s' 3 || fail "the header does not show 'pace 10/s' after < < <"
$T send-keys -t e2e '>' '>' '>'
wait_for 'pace max' 3 || fail "the header does not show 'pace max' after > > >"
$T send-keys -t e2e 'q'
code=$(wait_exit 10) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code, stderr: $(cat "$DIR/stderr")"

# --- --pace 2: about 2 steps/s; the done pause at --steps 12; a longer length -------
tui_start "LANG=C.UTF-8" "$ARGS --pace 2 --steps 12"
wait_step_above 0 10 || fail "the paced run does not start"
screen | grep -q 'pace 2/s' || fail "the header does not show 'pace 2/s'"
s0=$(step_now)
t0=$(date +%s%N)
sleep 3
s1=$(step_now)
t1=$(date +%s%N)
rate=$(awk -v d=$((s1 - s0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", d / (t / 1e9) }')
awk -v r="$rate" 'BEGIN { exit !(r >= 1.3 && r <= 2.7) }' \
  || fail "--pace 2 ran $rate steps/s (steps $s0 -> $s1 in 3 s)"
$T send-keys -t e2e '>' '>' '>' '>' '>' # as fast as it goes
wait_for 'done: raise the length to go on, r restarts' 10 || fail "no done message at the length"
screen | grep -q 'step 12/12' || fail "the run did not stop at step 12"
sleep 0.3
screen | grep -q 'step 12/12' || fail "the run went on past its length"
# the length row is the last of the filter pane (cema: alpha, gamma, length)
$T send-keys -t e2e Down Down '+'
wait_for 'length    21 ' 3 || fail "+ on the length row did not make it 21 steps"
wait_for 'step 21/21' 10 || fail "the run did not go on to its new length (step $(step_now))"
$T send-keys -t e2e 'q'
code=$(wait_exit 10) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code, stderr: $(cat "$DIR/stderr")"
echo "$NAME: ok ($(awk -v s="$START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s; --pace 2 ran $rate steps/s)"
