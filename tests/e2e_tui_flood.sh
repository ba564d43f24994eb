#!/usr/bin/env bash
# e2e_tui_flood.sh — the live view survives any keys (run by `make test`, and
# by `make test-san` against the ASan + UBSan build/flipscope-san).
# 1. The burst that used to index past the settings table (Down x5 selects
#    Adam's 6th setting, then o Up Enter switches to CEMA, which has 2, and +
#    nudged the 6th of those): the view must still run, and q exit 0.
# 2. A flood: FLOOD_BURSTS bursts of FLOOD_KEYS random keys from every key the
#    view knows (q and Q left out until the end) plus digits, letters and ^L,
#    with the burst above mixed in; after each burst the view must still run;
#    then it must quit on q with exit 0, the terminal restored, the --save
#    checkpoint valid, and no sanitizer report. FLOOD_SEED repeats a run.
# Everything the keys write (s, e: fresh names in the working directory) lands in $DIR.
set -u
NAME=e2e_tui_flood
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)
BURSTS=${FLOOD_BURSTS:-40}
PER=${FLOOD_KEYS:-60}
SEED=${FLOOD_SEED:-$$}
RANDOM=$SEED
# A sanitizer report goes to $DIR/san.* and fails the run (a plain build ignores these).
SAN="ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:log_path=$DIR/san \
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$DIR/san LANG=C.UTF-8"
ARGS="--data glyphs --model mlp:64 --opt adam --epochs 100000 --threads 1 --seed 5 \
--save $DIR/flood.ckpt"
BURST=(5 Down Down Down Down Down o Up Enter +)

no_san_report() {
  local f
  for f in "$DIR"/san.*; do
    [ -e "$f" ] && fail "sanitizer report (seed $SEED): $(head -c 3000 "$f")"
  done
  return 0
}
# quit: Escape closes any menu or input line, q quits; repeated in case a
# key of the last burst opened something after the Escape arrived
quit() {
  local i code
  for i in 1 2 3 4 5; do
    $T send-keys -t e2e Escape
    sleep 0.1
    $T send-keys -t e2e q
    code=$(wait_exit 3) && { echo "$code"; return 0; }
  done
  return 1
}
# finish WHAT: quits and checks the exit, the terminal and the checkpoint
finish() {
  local code
  code=$(quit) || fail "$1: q did not quit (seed $SEED)"
  no_san_report
  [ "$code" = 0 ] || fail "$1: exit code $code (seed $SEED)"
  check_restored
  "$BIN" checkpoint "$DIR/flood.ckpt" >/dev/null 2>"$DIR/ckpt.err" \
    || fail "$1: the --save checkpoint does not load: $(cat "$DIR/ckpt.err")"
  rm -f "$DIR/flood.ckpt"
}

# --- 1. the burst ---------------------------------------------------------------
tui_start "$SAN" "$ARGS"
wait_for 'filter adam' 20 || fail "the dashboard did not appear"
$T send-keys -t e2e -- "${BURST[@]}"
sleep 0.5
running || { no_san_report; fail "the burst killed the view: exit $(cat "$DIR/exit")"; }
finish "the burst"

# --- 2. the flood ---------------------------------------------------------------
POOL=(Space n r Tab BTab 1 2 3 4 5 Up Down Left Right + - = _ Enter Escape o l L p u s P i
      '?' h j k y Y C-l BSpace F1 . 0 6 7 8 9)
for c in a b c d f g m t v w x z A B C D E F G H I J K M N O R S T U V W X Z; do POOL+=("$c"); done
tui_start "$SAN" "$ARGS"
wait_for 'filter adam' 20 || fail "the dashboard did not appear (flood)"
for ((b = 0; b < BURSTS; b++)); do
  keys=()
  for ((k = 0; k < PER; k++)); do keys+=("${POOL[RANDOM % ${#POOL[@]}]}"); done
  ((b % 4 == 0)) && keys+=(Escape Escape "${BURST[@]}") # from no menu
  ((b % 15 == 0)) && keys+=(e) # an export takes the trainer a while: a few only
  $T send-keys -t e2e -- "${keys[@]}"
  running || { no_san_report; fail "the view died in burst $b (seed $SEED): exit $(cat "$DIR/exit")"; }
  sleep 0.01
done
sleep 0.3
running || { no_san_report; fail "the view died after the flood (seed $SEED): exit $(cat "$DIR/exit")"; }
finish "the flood"

END=$(date +%s.%N)
echo "$NAME: ok in $(echo "$END - $START" | bc)s; $BURSTS bursts of $PER keys, seed $SEED"
