#!/usr/bin/env bash
# e2e_tui_runmenu.sh — the run menu (`m`) in the live view (run by `make
# test`): it opens on the running data, model and seed; Right moves the data
# to xor and the model to README's 2-D recipe, Enter asks, y restarts, and
# the header shows the new data and model; a typed cnn: model on xor is
# refused with the session's error in the footer while the old run goes on;
# a bad model text is refused in the menu; a click selects a row.
set -u
NAME=e2e_tui_runmenu
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
key() { $T send-keys -t e2e "$@"; }
# click X Y: press and release the left button at 0-based cell (X, Y) (SGR 1006)
click() {
  $T send-keys -t e2e -l $'\e'"[<0;$(($1 + 1));$(($2 + 1))M"
  $T send-keys -t e2e -l $'\e'"[<0;$(($1 + 1));$(($2 + 1))m"
}

tui_start "LANG=C.UTF-8" "--data glyphs --model mlp:32 --epochs 100000 --threads 1 --seed 3"
wait_step_above 2 20 || fail "the dashboard did not start training"
key m
wait_for 'run: data, model, seed' 5 || fail "m did not open the run menu"
wait_for '‹ glyphs ›' 2 || fail "the menu did not open on the running data"
wait_for '‹ mlp:32 ›' 2 || fail "the menu did not open on the running model"
wait_for '‹ 3 ›' 2 || fail "the menu did not open on the running seed"
for _ in 1 2 3 4 5 6 7 8; do
  screen | grep -q '‹ xor ›' && break
  key Right
  sleep 0.1
done
wait_for '‹ xor ›' 2 || fail "Right did not reach xor"
key Down Right Down +
wait_for '‹ mlp:128x64 real-first ›' 2 || fail "Right did not choose mlp:128x64 real-first"
wait_for '‹ 4 ›' 2 || fail "+ did not raise the seed"
key Enter
wait_for 'Restart with data xor, model mlp:128x64 real-first, seed 4\?' 5 \
  || fail "Enter did not ask"
key y
wait_for 'data xor' 10 || fail "the header does not show the new data"
wait_for 'model mlp:128x64 real-first' 2 || fail "the header does not show the new model"
wait_step_above 5 20 || fail "the new run does not train"

# a model that does not fit the data: refused, the old run goes on
key m
wait_for '‹ xor ›' 5 || fail "the menu did not open on the new data"
key Down t
wait_for 'type a value' 5 || fail "t did not open the prompt"
for _ in $(seq 30); do key BSpace; done
key -l 'cnn:c16-p-f64'
wait_for 'model = cnn:c16-p-f64' 5 || fail "the prompt did not take the text"
key Enter
wait_for '‹ cnn:c16-p-f64 ›' 5 || fail "Enter did not set the typed model"
key Enter
wait_for 'Restart with data xor, model cnn:c16-p-f64' 5 || fail "Enter did not ask"
key y
wait_for 'needs images' 10 || fail "the refusal is not in the footer"
screen | grep -q 'model mlp:128x64 real-first' || fail "the header should still show the old model"
wait_step_above $((STEP + 5)) 20 || fail "the old run does not go on after the refusal"

# a typed model text that does not parse: its error in the menu, the old choice kept
key m Down t
wait_for 'type a value' 5 || fail "t did not open the prompt again"
for _ in $(seq 30); do key BSpace; done
key -l 'mlp:12y'
key Enter
wait_for "bad layer width in 'mlp:12y'" 5 || fail "a bad model text was not refused in the menu"
wait_for '‹ mlp:128x64 real-first ›' 2 || fail "a refused text should leave the model"
# a click on a row selects it (at 100x30 the menu's rows are y 11..13)
click 40 13
key +
wait_for '‹ 5 ›' 5 || fail "a click on the seed row did not select it (+ should raise the seed)"
key Escape
key q
code=$(wait_exit 20) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code: $(cat "$DIR/stderr")"
echo "$NAME: ok in $(echo "$(date +%s.%N) - $START" | bc)s"
