#!/usr/bin/env bash
# e2e_tui_boundary.sh — the decision-boundary pane in the live view (run by
# `make test`): D shows it in place of the curves for xor, its grid follows
# training (the step in its legend moves on within a second), D hides it
# again, and for data without two features it says so.
set -u
NAME=e2e_tui_boundary
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
# legend_step: the step the shown grid was computed after
legend_step() { screen | grep -o 'step [0-9]*  D hides' | tr -dc '0-9'; }

tui_start "LANG=C.UTF-8" "--data xor --model mlp:128x64 --real-first --real-lr 3e-2 --batch 50 \
  --epochs 100000 --threads 1 --seed 1"
wait_step_above 5 20 || fail "the dashboard did not start training"
$T send-keys -t e2e D
wait_for 'D decision boundary' 5 || fail "D did not show the boundary pane"
screen | grep -q '1 curves' && fail "the boundary pane should take the curves' place"
first=$(legend_step)
[ -n "$first" ] || fail "no step in the boundary pane's legend"
deadline=$(($(date +%s%N) + 2000000000))
while [ "$(date +%s%N)" -lt "$deadline" ] && [ "$(legend_step)" = "$first" ]; do sleep 0.05; done
[ "$(legend_step)" != "$first" ] || fail "the grid was not refreshed within 2 s (still step $first)"
$T send-keys -t e2e D
wait_for '1 curves' 5 || fail "D did not hide the boundary pane"
$T send-keys -t e2e q
code=$(wait_exit 20) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code: $(cat "$DIR/stderr")"

tui_start "LANG=C.UTF-8" "--data glyphs --model mlp:64 --epochs 100000 --threads 1"
wait_step_above 2 20 || fail "glyphs: the dashboard did not start training"
$T send-keys -t e2e D
wait_for 'needs data with two features' 5 || fail "glyphs: D did not say the pane needs 2-D data"
$T send-keys -t e2e q
code=$(wait_exit 20) || fail "glyphs: q did not quit"
echo "$NAME: ok in $(echo "$(date +%s.%N) - $START" | bc)s"
