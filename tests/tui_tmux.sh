# tui_tmux.sh — what the live view's tmux tests share (sourced by
# tests/e2e_tui*.sh; not a test itself). Set NAME before sourcing.
# It makes a private directory $DIR (the runs start in it), a private tmux
# server $T, and removes both at exit. One session, "e2e", at a time.
BIN=$(readlink -f "${FLIPSCOPE_BIN:-build/flipscope}")
command -v tmux >/dev/null || { echo "$NAME: tmux is not installed (make deps)"; exit 1; }
[ -x "$BIN" ] || { echo "$NAME: $BIN not found (make first)"; exit 1; }
DIR=$(mktemp -d "/tmp/flipscope-$NAME.XXXXXX")
RUNS=0
T="tmux -L flipscope-$NAME-$$-$RUNS"
cleanup() { $T kill-server 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

screen() { $T capture-pane -p -t e2e 2>/dev/null; }
fail() {
  echo "$NAME: FAIL: $*"
  echo "--- screen ---"
  screen
  [ -s "$DIR/stderr" ] && { echo "--- stderr ---"; head -c 4000 "$DIR/stderr"; }
  exit 1
}
# wait_for PATTERN SECONDS: until the screen matches (grep -E)
wait_for() {
  local deadline=$(($(date +%s%N) + ${2} * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
# step_now: the step counter on the screen ("" before the dashboard is up;
# "step 12/40", or "step 12" in a run without a length)
step_now() { screen | grep -oE 'step [0-9]+' | head -1 | tr -dc '0-9'; }
# wait_step_above N SECONDS: until the step counter passes N; the step seen
# is then in $STEP
wait_step_above() {
  local deadline=$(($(date +%s%N) + ${2} * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    STEP=$(step_now)
    [ -n "$STEP" ] && [ "$STEP" -gt "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
# tui_start "ENV=... " "ARGS": the live view at 100x30 in $DIR; when it exits
# the pane writes its exit code to $DIR/exit and `stty -a` to $DIR/stty.
tui_start() {
  rm -f "$DIR/exit" "$DIR/stty"
  $T kill-server 2>/dev/null
  RUNS=$((RUNS + 1))
  T="tmux -L flipscope-$NAME-$$-$RUNS" # a fresh server: the old one may still be exiting
  $T -u new-session -d -s e2e -x 100 -y 30 \
    "cd '$DIR' && env TERM=screen-256color $1 '$BIN' $2 2>'$DIR/stderr';
     echo \$? > '$DIR/exit.tmp'; stty -a > '$DIR/stty' 2>&1; mv '$DIR/exit.tmp' '$DIR/exit'; sleep 60" \
    || fail "cannot start tmux"
}
# running: the live view has not exited
running() { [ ! -e "$DIR/exit" ]; }
# wait_exit SECONDS: until the live view has exited; prints its exit code
wait_exit() {
  local deadline=$(($(date +%s%N) + ${1} * 1000000000))
  while running && [ "$(date +%s%N)" -lt "$deadline" ]; do sleep 0.05; done
  running && return 1
  cat "$DIR/exit"
}
# check_restored: the terminal is back in canonical mode with echo
check_restored() {
  grep -Eq '(^| )icanon( |$)' "$DIR/stty" && grep -Eq '(^| )echo( |$)' "$DIR/stty" \
    || fail "the terminal was not restored: $(cat "$DIR/stty")"
}
