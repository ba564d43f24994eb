#!/usr/bin/env bash
# kill_checkpoint.sh — kills a process that saves a checkpoint after every
# step (--save-every 1) with SIGKILL at random moments, KILLS times, and checks
# after every kill that the checkpoint on disk loads (`flipscope checkpoint`)
# and that a run resumes from it; every few kills the resumed run trains a few
# steps further. A checkpoint that does not load, or a step that goes back,
# fails the test.
#
#   FLIPSCOPE_BIN=build/flipscope KILLS=40 bash tests/kill_checkpoint.sh
set -u
bin=${FLIPSCOPE_BIN:-build/flipscope}
kills=${KILLS:-40}
tmp=$(mktemp -d /tmp/flipscope-kill-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ck=$tmp/run.ckpt
common=(--headless --threads 1)
fail() { echo "kill_checkpoint: FAIL: $*" >&2; exit 1; }
step_of() { "$bin" checkpoint "$1" | sed -n 's/.*"step":\([0-9]*\).*/\1/p'; }

# A first checkpoint, so there always is an old one to fall back on.
"$bin" "${common[@]}" --data glyphs --model mlp:48x24 --batch 50 --epochs 1000 --steps 3 \
  --save "$ck" >/dev/null 2>&1 || fail "the first run failed"
last=$(step_of "$ck")
[ -n "$last" ] || fail "the first checkpoint does not load"

loads=0 resumes=0 early=0
for ((i = 1; i <= kills; i++)); do
  "$bin" "${common[@]}" --load "$ck" --steps 100000000 --save "$ck" --save-every 1 \
    >/dev/null 2>&1 &
  pid=$!
  # Anywhere from start-up (before the first save) to deep in training.
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -KILL "$pid" 2>/dev/null || early=$((early + 1))
  wait "$pid" 2>/dev/null
  info=$("$bin" checkpoint "$ck" 2>&1) || fail "kill $i: the checkpoint does not load: $info"
  step=$(sed -n 's/.*"step":\([0-9]*\).*/\1/p' <<<"$info")
  [ "$step" -ge "$last" ] || fail "kill $i: the step went back from $last to $step"
  last=$step
  loads=$((loads + 1))
  if ((i % 8 == 0)); then # a real resume, three steps further
    out=$("$bin" "${common[@]}" --load "$ck" --steps $((step + 3)) 2>&1) ||
      fail "kill $i: resuming from step $step failed: $out"
    grep -q "\"steps\":$((step + 3))," <<<"$out" || fail "kill $i: the resumed run did not reach step $((step + 3))"
    resumes=$((resumes + 1))
  fi
done
left=$(find "$tmp" -name '*.tmp-*' | wc -l)
echo "kill_checkpoint: $kills kills (SIGKILL at random moments while saving every step), $loads loads OK," \
  "$resumes resumes OK, last step $last; $left temporary file left by the last kill"
[ "$left" -le 1 ] || fail "$left temporary files left: saves should remove those of dead processes"
[ "$early" -eq 0 ] || echo "kill_checkpoint: note: $early runs had already exited when killed" >&2
