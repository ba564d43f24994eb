#!/usr/bin/env bash
# kill_resume.sh — the logs survive any kill: for every optimizer set-up (and
# one with --augment, whose draws must follow from seed and step alone), a run
# that saves every 7 steps is SIGKILLed at random moments and resumed with
# --load until it finishes; its CSV and JSONL logs must then equal, byte for
# byte, those of the same run never stopped (every step exactly once). Also:
# a resume whose log lost rows, or whose columns changed, is refused with one
# line and leaves the log as it was.
#
#   FLIPSCOPE_BIN=build/flipscope KILLS=3 bash tests/kill_resume.sh
set -u
bin=$(readlink -f "${FLIPSCOPE_BIN:-build/flipscope}")
kills=${KILLS:-3}
tmp=$(mktemp -d /tmp/flipscope-kill-resume-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "kill_resume: FAIL: $*" >&2; exit 1; }
run=(--headless --threads 1 --data glyphs --model mlp:256x256 --steps 240 --epochs 3
     --telemetry-every 5)
setups=("cema" "sgd --momentum 0.9 --wd 5e-4" "sgd --nesterov --momentum 0.9 --lr 0.05"
        "adam" "adamw --wd 0.01" "bop --tau 1e-6" "bop2" "iir --poles 0.9,0.99"
        "cema --augment crop,flip")

# One set-up: the straight run, then kills and resumes until a run ends by itself.
one_setup() {
  local k=$1 dir=$tmp/$1 opt
  read -ra opt <<<"${setups[$k]}"
  mkdir -p "$dir" && cd "$dir" || return 1
  "$bin" "${run[@]}" --opt "${opt[@]}" --log s.csv --log-jsonl s.jsonl >/dev/null 2>&1 ||
    { echo "${setups[$k]}: the straight run failed"; return 1; }
  local n=0 done=0 rc
  while ((!done)); do
    local args=("${run[@]}" --opt "${opt[@]}")
    [ -e c.ckpt ] && args=(--headless --threads 1 --load c.ckpt --telemetry-every 5)
    "$bin" "${args[@]}" --log k.csv --log-jsonl k.jsonl --save c.ckpt --save-every 7 \
      >/dev/null 2>err.txt &
    local pid=$!
    if ((n < kills)); then
      sleep "0.$(printf '%03d' $((100 + RANDOM % 300)))"
      kill -KILL "$pid" 2>/dev/null
      n=$((n + 1))
    fi
    wait "$pid" 2>/dev/null
    rc=$?
    [ "$rc" -eq 0 ] && done=1
    # A kill after the last step's save but before the exit leaves a finished
    # checkpoint, which a resume of the same length refuses: the run has ended
    # (the logs are compared below all the same).
    if [ "$rc" -eq 2 ] && grep -q "the run is already at step 240 of 240" err.txt; then
      done=1 rc=0
    fi
    [ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] || { echo "${setups[$k]}: exit $rc: $(cat err.txt)"; return 1; }
  done
  cmp -s s.csv k.csv || { echo "${setups[$k]}: the CSV differs after $n kills ($(wc -l <k.csv) lines, want $(wc -l <s.csv))"; return 1; }
  cmp -s s.jsonl k.jsonl || { echo "${setups[$k]}: the JSONL differs after $n kills ($(wc -l <k.jsonl) lines, want $(wc -l <s.jsonl))"; return 1; }
  echo ok
}

pids=()
for k in "${!setups[@]}"; do
  one_setup "$k" >"$tmp/result-$k" 2>&1 &
  pids+=($!)
  if (( ${#pids[@]} == 2 )); then wait "${pids[0]}"; pids=("${pids[1]}"); fi
done
wait
for k in "${!setups[@]}"; do
  [ "$(cat "$tmp/result-$k")" = ok ] || fail "$(cat "$tmp/result-$k")"
done

# Refusals leave the log as it was.
cd "$tmp" || exit 1
"$bin" "${run[@]}" --steps 40 --log r.csv --save r.ckpt >/dev/null 2>&1 || fail "the refusal set-up failed"
refused() { # NAME EXPECTED-TEXT ARGS...: exit 1 with one line holding the text, r.csv unchanged
  local name=$1 want=$2
  shift 2
  local before after out rc
  before=$(sha1sum <r.csv)
  out=$("$bin" --headless --load r.ckpt --steps 80 "$@" 2>&1 >/dev/null)
  rc=$?
  after=$(sha1sum <r.csv)
  [ "$rc" -ne 0 ] || fail "$name: accepted"
  [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qF -- "$want" <<<"$out" || fail "$name: said: $out"
  [ "$before" = "$after" ] || fail "$name: the log changed"
}
cp r.csv r.full
head -n 30 r.full >r.csv
refused "rows lost" "records are missing" --log r.csv
cp r.full r.csv
refused "columns changed" "columns differ" --log r.csv --telemetry=false
"$bin" --headless --load r.ckpt --steps 40 --log r.csv >/dev/null 2>&1
[ $? -eq 2 ] && cmp -s r.csv r.full || fail "a finished checkpoint re-run touched its log"
mv r.csv gone.csv
out=$("$bin" --headless --load r.ckpt --steps 80 --log r.csv 2>&1 >/dev/null) && fail "a missing log was accepted"
grep -q "is missing" <<<"$out" && [ ! -e r.csv ] || fail "missing log: $out"
echo "kill_resume: ${#setups[@]} optimizer set-ups, $kills SIGKILLs each: CSV and JSONL logs equal" \
  "an uninterrupted run byte for byte; 4 refusals left the log as it was"
