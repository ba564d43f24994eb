#!/usr/bin/env bash
# e2e_tui_mouse.sh — the mouse in the live view (run by `make test`), sent
# as SGR 1006 reports (ESC [ < button ; column ; row M, then m on release):
# a click in the weights raster focuses pane 4 and puts its cursor on that
# cell (t then pins the weight there), a click on another pane focuses it,
# the wheel over the filter pane raises the selected setting as + does, and
# clicks in the optimizer menu choose an entry, then take it. Once with a
# terminfo whose mouse is X10 (screen-256color: flipscope decodes the SGR
# reports itself), once with xterm-256color's (curses decodes them).
set -u
NAME=e2e_tui_mouse
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
# click X Y [BUTTON]: press and release at 0-based cell (X, Y)
click() {
  $T send-keys -t e2e -l $'\e'"[<${3:-0};$(($1 + 1));$(($2 + 1))M"
  $T send-keys -t e2e -l $'\e'"[<${3:-0};$(($1 + 1));$(($2 + 1))m"
}
# cell X Y: the character on the screen at 0-based (X, Y)
cell() { local line; line=$(screen | sed -n "$(($2 + 1))p"); LC_ALL=C.UTF-8 bash -c 'echo "${1:$2:1}"' _ "$line" "$1"; }
# legend: the weight under the raster's cursor ("#123 r1 c59 +1")
legend() { screen | grep -oE '#[0-9]+ r[0-9]+ c[0-9]+ [+-]1' | head -1; }

# At 100x30 the weights pane is the frame at x 64..99, y 17..27: its
# raster's cells start at (65, 18), 34 a row.
for term in screen-256color xterm-256color; do
  tui_start "LANG=C.UTF-8 TERM=$term" "--data glyphs --model mlp:64x32 --epochs 100000 --threads 1 --pace 10"
  wait_step_above 2 20 || fail "$term: the dashboard did not start training"
  wait_for 'Up/Down setting' 5 || fail "$term: the filter pane is not focused at start"
  click 68 20
  wait_for 'Left/Right cursor' 5 || fail "$term: a click in the raster did not focus pane 4"
  at=$(legend)
  [ -n "$at" ] || fail "$term: no cursor legend after the click"
  $T send-keys -t e2e Left
  wait_for 'Left/Right cursor' 2
  [ "$(legend)" != "$at" ] || fail "$term: Left did not move the cursor from $at"
  click 68 20
  deadline=$(($(date +%s%N) + 2000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ] && [ "$(legend)" != "$at" ]; do sleep 0.05; done
  [ "$(legend)" = "$at" ] || fail "$term: the click did not put the cursor back on $at: $(legend)"
  $T send-keys -t e2e t
  wait_for "w weight scope 1: L1 ${at%% *} " 5 || fail "$term: t did not pin the clicked weight ${at%% *}"
  [ "$(cell 68 20)" = 1 ] || fail "$term: the raster does not mark the pinned weight at (68, 20): $(cell 68 20)"
  click 70 6
  wait_for 'Up/Down setting' 5 || fail "$term: a click on the filter pane did not focus it"
  click 70 8 64
  wait_for 'alpha 0.001778' 5 || fail "$term: the wheel up over the filter pane did not raise alpha"
  click 70 8 65
  wait_for 'alpha 0.001 ' 5 || fail "$term: the wheel down did not lower alpha back"
  # the optimizer menu at 100x30: entries from row 10, x 24..75 (cema, adam, adamw, sgd, ...)
  $T send-keys -t e2e o
  wait_for 'switch optimizer' 5 || fail "$term: o did not open the menu"
  click 30 13
  sleep 0.3
  screen | grep -q 'switch optimizer' || fail "$term: the first click on an entry should only choose it"
  click 30 13
  wait_for ' sgd lr ' 10 || fail "$term: the second click on sgd did not switch to it"
  $T send-keys -t e2e q
  code=$(wait_exit 20) || fail "$term: q did not quit"
  [ "$code" = 0 ] || fail "$term: exit code $code: $(cat "$DIR/stderr")"
  check_restored
done
echo "$NAME: ok in $(echo "$(date +%s.%N) - $START" | bc)s"
