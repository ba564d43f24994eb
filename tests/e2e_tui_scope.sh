#!/usr/bin/env bash
# e2e_tui_scope.sh — the weight scope in the live view (run by `make test`):
# 4 focuses the weights pane, the arrows move its cursor and t pins the
# weight under it, which shows the scope in place of the curves with that
# weight's own values; they change from step to step, and follow an
# optimizer switch (Bop's states and its +-tau); t again unpins it, w hides
# the scope; the help scrolls to the scope's keys. --trace-weights pins its weights at start, { } choose one.
set -u
NAME=e2e_tui_scope
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
# state_line: the scope's line of the optimizer's states ("cema  m ...  grad ...")
state_line() { screen | grep -oE '(cema|bop) +[a-z]+ [^│|]*grad [^ │|]+' | head -1; }

tui_start "LANG=C.UTF-8" "--data glyphs --model mlp:64x32 --epochs 100000 --threads 1 --pace 20"
wait_step_above 3 20 || fail "the dashboard did not start training"
$T send-keys -t e2e 4
wait_for 't trace' 5 || fail "4 did not offer t in the footer"
$T send-keys -t e2e Right Right Down
sleep 0.2
$T send-keys -t e2e t
wait_for 'w weight scope 1: L1 #[0-9]+ \(row [0-9]+, col [0-9]+\)' 5 || fail "t did not pin a weight to the scope"
screen | grep -q '1 curves' && fail "the scope should take the curves' place"
wait_for 'cema +m [^ ]+ +i [^ ]+ +grad' 5 || fail "no CEMA states in the scope"
first=$(state_line)
deadline=$(($(date +%s%N) + 3000000000))
while [ "$(date +%s%N)" -lt "$deadline" ] && [ "$(state_line)" = "$first" ]; do sleep 0.05; done
[ "$(state_line)" != "$first" ] || fail "the scope's values did not change over 3 s: $first"
screen | grep -Eq 'steps [0-9]+-[0-9]+  dots 0  x [0-9]+ flips?' || fail "no axis line with CEMA's threshold 0"
# o, Down x4: bop (the menu lists cema adam adamw sgd bop ...), Enter switches
$T send-keys -t e2e o
wait_for 'switch optimizer' 5 || fail "o did not open the menu"
$T send-keys -t e2e Down Down Down Down Enter
wait_for 'bop +m [^ ]+ +grad' 10 || fail "the scope did not follow the switch to Bop"
wait_for 'dots \+-' 5 || fail "no +-tau after the switch to Bop"
$T send-keys -t e2e t
wait_for 'no weight is pinned' 5 || fail "t on the pinned weight did not unpin it"
$T send-keys -t e2e w
wait_for '1 curves' 5 || fail "w did not hide the scope"
# the help is longer than 30 rows: it scrolls to the scope's keys
$T send-keys -t e2e '?'
wait_for 'rows 1-[0-9]+ of [0-9]+: Up/Down scroll' 5 || fail "the help does not say it scrolls"
$T send-keys -t e2e Down Down Down Down Down Down Down Down Down Down
wait_for 'show / hide the weight scope' 5 || fail "Down did not scroll the help to the scope's keys"
$T send-keys -t e2e x
wait_for '1 curves' 5 || fail "a key did not close the help"
$T send-keys -t e2e q
code=$(wait_exit 20) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code: $(cat "$DIR/stderr")"
check_restored

tui_start "LANG=C.UTF-8" "--data glyphs --model mlp:64x32 --epochs 100000 --threads 1 --trace-weights 0:5,1:7"
wait_for '1 L1#5 2 L2#7' 20 || fail "--trace-weights did not pin its weights at start"
wait_for 'w weight scope 1: L1 #5 ' 5 || fail "the scope does not show the first traced weight"
$T send-keys -t e2e '}'
wait_for 'w weight scope 2: L2 #7 \(row 0, col 7\)' 5 || fail "} did not show the second pinned weight"
$T send-keys -t e2e q
code=$(wait_exit 20) || fail "q did not quit (--trace-weights)"
[ "$code" = 0 ] || fail "exit code $code (--trace-weights): $(cat "$DIR/stderr")"
echo "$NAME: ok in $(echo "$(date +%s.%N) - $START" | bc)s"
