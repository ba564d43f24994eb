#!/usr/bin/env bash
# bad_inputs.sh — a battery of bad inputs: bad flag values, unknown names, bad
# data, config, checkpoint and log files, bad output places and the
# subcommands' bad arguments. Every case runs under `timeout` in a private
# directory and passes when flipscope rejects it cleanly:
#   * the expected exit code (2 for a bad flag or setting, 1 for a bad file;
#     some cases accept either), never 0, never a signal, never a hang;
#   * stderr is exactly one line, starting "flipscope: ", naming the flag or
#     the file (a regular expression per case);
#   * nothing in the case's directory is created, truncated or modified
#     (type, mode and size of every entry, content and mtime of every file).
# A few cases (a character device as an output) may also succeed; they only
# have to leave the device a device.
# Prints "bad_inputs: N tried, N rejected cleanly", or a line per failing case
# and exits 1.
#
#   FLIPSCOPE_BIN=build/flipscope bash tests/bad_inputs.sh    (JOBS=2 CASE_TIMEOUT=3)
set -u

# ------------------------------------------------------------------ one case

# Type, mode, size of every entry under $1; mtime and checksum of every file
# (nothing, without a process, for an empty directory).
listing() {
  local entries=("$1"/* "$1"/.[!.]* "$1"/..?*)
  [ ${#entries[@]} -eq 0 ] && return
  (cd "$1" && find . -mindepth 1 \( -type f -printf '%y %m %s %T@ %p\n' -exec md5sum {} + \) -o \
    -printf '%y %m %s %p\n')
}

# Runs case number $1 (line $2 of the case file) and writes what was wrong, if
# anything, to $ROOT/r/$1.
run_case() {
  local id=$1 label expect needle setup pre args
  IFS=$'\t' read -r label expect needle setup pre args <<<"$2"
  local dir=$ROOT/c/$id out=$ROOT/o/$id.out err=$ROOT/o/$id.err
  mkdir -p "$dir"
  local problems=()
  (cd "$dir" && eval "$setup") >/dev/null 2>&1 || problems+=("the case's setup failed")
  local before after rc
  before=$(listing "$dir")
  { # (the braces keep the shell's "Killed" notice off the report)
    (cd "$dir" && eval "$pre" && eval "set -- $args" &&
      exec timeout -k 1 "$CASE_TIMEOUT" "$BIN" "$@") >"$out" 2>"$err" </dev/null
  } 2>/dev/null
  rc=$?
  after=$(listing "$dir")
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    problems+=("hung: killed by timeout after ${CASE_TIMEOUT}s")
  elif [ "$rc" -ge 128 ]; then
    problems+=("crashed: exit $rc (signal $((rc - 128)))")
  elif [ "$rc" -eq 0 ] && [ "$expect" != any ]; then
    problems+=("accepted: exit 0")
  elif [ "$rc" -ne 0 ] && [ "$expect" != any ] && [[ "$expect" != *"$rc"* ]]; then
    problems+=("exit $rc, expected $(sed 's/\B/ or /g' <<<"$expect")")
  fi
  local text='' newlines
  IFS= read -r -d '' text <"$err"
  if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ]; then
    newlines=${text//[!$'\n']/}
    if [ ${#newlines} -ne 1 ] || [[ "$text" != *$'\n' ]]; then
      problems+=("stderr is not one line (${#newlines} newlines)")
    elif [[ "$text" != "flipscope: "* ]]; then
      problems+=("stderr does not start with 'flipscope: '")
    elif ! [[ "$text" =~ $needle ]]; then
      problems+=("stderr does not name /$needle/")
    fi
  fi
  if [ "$before" != "$after" ]; then
    local diffs
    diffs=$(diff <(echo "$before") <(echo "$after") | sed -n 's/^[<>] //p' | awk '{print $NF}' |
      sort -u | tr '\n' ' ')
    problems+=("the directory changed: ${diffs% }")
  fi
  if [ ${#problems[@]} -gt 0 ]; then
    text=${text:0:300}
    printf 'FAIL %s: flipscope %s: %s; stderr: %s\n' "$label" "$args" \
      "$(IFS=';'; echo "${problems[*]}")" "${text//$'\n'/|}" >"$ROOT/r/$id"
  fi
  rm -rf "$dir" 2>/dev/null || { chmod -R u+rwx "$dir"; rm -rf "$dir"; }
}

if [ "${1:-}" = --run ]; then # a worker: run_case for each case number given
  shift
  shopt -s nullglob
  mapfile -t LINES <"$ROOT/cases"
  for id in "$@"; do run_case "$id" "${LINES[id - 1]}"; done
  exit 0
fi

# ------------------------------------------------------------------ set-up

BIN=$(readlink -f "${FLIPSCOPE_BIN:-build/flipscope}")
[ -x "$BIN" ] || { echo "bad_inputs: $BIN not found (make first)"; exit 1; }
JOBS=${JOBS:-2}
CASE_TIMEOUT=${CASE_TIMEOUT:-3}
ROOT=$(mktemp -d /tmp/flipscope-bad-inputs.XXXXXX)
trap 'chmod -R u+rwx "$ROOT" 2>/dev/null; rm -rf "$ROOT"' EXIT
FIX=$ROOT/fix
CASES=$ROOT/cases
mkdir -p "$FIX" "$ROOT/c" "$ROOT/o" "$ROOT/r"
: >"$CASES"
export ROOT BIN FIX CASE_TIMEOUT
ROOT_USER=0
[ "$(id -u)" -eq 0 ] && ROOT_USER=1

# add LABEL EXPECT NEEDLE ARGS...: one case. EXPECT is the allowed exit codes
# ("2", "1", "12") or "any"; NEEDLE a regular expression stderr must match.
# $SETUP (bash, run in the case's directory first) makes its files, $PRE
# (bash, in the subshell that runs flipscope) sets limits.
add() {
  local label=$1 expect=$2 needle=$3
  shift 3
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$expect" "$needle" "${SETUP:-:}" "${PRE:-:}" \
    "$(printf '%q ' "$@")" >>"$CASES"
}
# fix NAME...: the SETUP that copies fixtures into the case's directory.
fix() { local s='cp -a' f; for f in "$@"; do s+=" \"\$FIX/$f\""; done; echo "$s ."; }
RUN=(--headless --data glyphs --model mlp:8 --steps 2)
XOR=(--headless --data xor --model mlp:8 --steps 2)
CSV=("${RUN[@]}" --batch 2) # the CSV files are small

# ---- fixtures: small valid files and their broken variants
(
  cd "$FIX" || exit 1
  garbage() { tail -c +4097 "$BIN" | head -c "$1"; } # binary bytes, NULs included
  {
    echo "label,x,y"
    for i in $(seq 0 19); do echo "$((i % 2)),$i.5,$((20 - i))"; done
  } >ok.csv
  : >empty.csv
  echo "label,x,y" >header.csv
  printf 'label,x,y\n0,1,2\n1,2\n0,3,4\n' >ragged.csv
  printf 'label,x,y\n0,1,2\n1,abc,3\n0,3,4\n1,5,6\n' >text.csv
  printf 'label,x,y\n0,1,2\n1,nan,3\n0,3,4\n1,5,6\n' >nan.csv
  printf '0,nan,1\n1,2,3\n0,3,4\n1,5,6\n' >nanfirst.csv
  printf 'label,x,y\n0,1,2\n1,inf,3\n0,3,4\n1,5,6\n' >inf.csv
  printf 'label,x,y\n0,1,2\n1,1e999,3\n0,3,4\n1,5,6\n' >huge.csv
  printf 'label,x,y\n0,1,2\n0,2,3\n0,3,4\n0,5,6\n' >oneclass.csv
  printf 'label,x,y\n0,1,2\n1,2,3\n200,3,4\n0,5,6\n1,6,7\n200,7,8\n' >gap.csv
  printf 'label\n0\n1\n0\n1\n' >labelonly.csv
  printf 'label,x,y\n0,1,2\n,2,3\n0,3,4\n1,5,6\n' >nolabel.csv
  printf 'label,x,y\n0,1,2\n' >onerow.csv
  printf 'label,x,y\n0,1,2\n1,2\0003\n0,3,4\n1,5,6\n' >nul.csv
  garbage 4096 >garbage.bin
  # an IDX set of 4 images of 2x2 pixels, two classes, and broken copies of it
  img() { printf '\x00\x00\x08\x03\x00\x00\x00\x04\x00\x00\x00\x02\x00\x00\x00\x02'
    printf '\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10'; }
  lab() { printf '\x00\x00\x08\x01\x00\x00\x00\x04\x00\x01\x00\x01'; }
  mkdir idxok
  img >idxok/train-images-idx3-ubyte
  img >idxok/t10k-images-idx3-ubyte
  lab >idxok/train-labels-idx1-ubyte
  lab >idxok/t10k-labels-idx1-ubyte
  "$BIN" --headless --data idx:idxok --model mlp:8 --steps 2 --batch 2 >/dev/null 2>&1 ||
    echo "bad_inputs: the valid IDX fixture does not load" >&2
  "$BIN" "${RUN[@]}" --save c.ckpt --log run.csv --log-jsonl run.jsonl >/dev/null 2>&1 ||
    echo "bad_inputs: the run that makes the fixtures failed" >&2
  "$BIN" "${RUN[@]}" --augment flip --save aug.ckpt >/dev/null 2>&1 ||
    echo "bad_inputs: the --augment run that makes aug.ckpt failed" >&2
  # a CIFAR-10 set of two records per file (a label byte, 3072 pixel bytes)
  cifar_file() { printf "\\x0$1"; head -c 3072 /dev/zero; printf "\\x0$2"; head -c 3072 "$BIN"; }
  mkdir cifarok
  for i in 1 2 3 4 5; do cifar_file "$i" 0 >"cifarok/data_batch_$i.bin"; done
  cifar_file 9 1 >cifarok/test_batch.bin
  "$BIN" --headless --data cifar10:cifarok --model mlp:8 --steps 2 --batch 2 >/dev/null 2>&1 ||
    echo "bad_inputs: the valid CIFAR-10 fixture does not load" >&2
  head -c "$(($(stat -c %s c.ckpt) / 2))" c.ckpt >half.ckpt
  head -c 10 c.ckpt >ten.ckpt
  : >empty.ckpt
  cp c.ckpt flipped.ckpt
  printf '\xa5' | dd of=flipped.ckpt bs=1 seek=$(($(stat -c %s c.ckpt) / 2)) conv=notrunc 2>/dev/null
  cmp -s c.ckpt flipped.ckpt && printf '\x5a' | dd of=flipped.ckpt bs=1 \
    seek=$(($(stat -c %s c.ckpt) / 2)) conv=notrunc 2>/dev/null
  # a log whose last row lost its cells after the second, a JSONL log cut mid-line
  sed '$ s/^\([^,]*,[^,]*\).*/\1/' run.csv | head -c -1 >cut.csv
  head -c "$(($(stat -c %s run.jsonl) - $(tail -n 1 run.jsonl | wc -c) / 2))" run.jsonl >cut.jsonl
  printf '{"not":"a flipscope log"}\n' >other.jsonl
  { head -n 1 run.jsonl; echo '{"type":'; } >badline.jsonl
) || { echo "bad_inputs: making the fixtures failed"; exit 1; }

# ------------------------------------------------------------------ flags

# Flags by the kind of value they take (app/cli/config.c's option table).
RATES="noise alpha gamma tau sigma lr wd init-scale clip real-lr near-zero state-init pace"
POSITIVE="eps"
FRACTIONS="val-frac beta1 beta2 momentum dampening"
UNITS="train-frac"
COUNTS="label-col epochs steps batch telemetry-every reversal-window"
COUNTS0="eval-every save-every telemetry-samples"
INTEGERS="$COUNTS $COUNTS0 seed threads"
REALS="$RATES $POSITIVE $FRACTIONS $UNITS"
OTHERS="data model opt poles iir change trace-weights schedule schedule-unit precision ste scale augment preset"
PATHS="log save load log-jsonl export title result screen config"
# Rates documented as any finite number >= 0: a huge value is a valid one.
UNBOUNDED="alpha gamma tau sigma lr wd init-scale clip real-lr near-zero eps state-init pace"

# The run a flag's value is checked in: the data set and optimizer it applies to.
context() {
  case $1 in
  noise | train-frac) CTX=("${XOR[@]}") ;;
  label-col) CTX=("${CSV[@]}" --data csv:ok.csv); SETUP=$(fix ok.csv) ;;
  tau) CTX=("${RUN[@]}" --opt bop) ;;
  sigma) CTX=("${RUN[@]}" --opt bop2) ;;
  lr | beta1 | beta2 | eps) CTX=("${RUN[@]}" --opt adam) ;;
  momentum | dampening) CTX=("${RUN[@]}" --opt sgd) ;;
  poles | iir) CTX=("${RUN[@]}" --opt iir) ;;
  save-every) CTX=("${RUN[@]}" --save s.ckpt) ;;
  *) CTX=("${RUN[@]}") ;;
  esac
}

# Every option --help lists must be one the battery knows.
HELP_VALUES=$("$BIN" --help | sed -En 's/^  --([a-z0-9-]+) V( |$).*/\1/p')
[ -n "$HELP_VALUES" ] || { echo "bad_inputs: no options with values in flipscope --help"; exit 1; }
UNKNOWN=()
for f in $HELP_VALUES; do
  [[ " $REALS $INTEGERS $OTHERS $PATHS " == *" $f "* ]] || UNKNOWN+=("$f")
done

BAD_NUMBERS=('' abc nan -nan NaN inf -inf 1e999 -1 0x10 ' 1' '1 ' 1e 1..2 -- '1,2')
for f in $HELP_VALUES; do
  SETUP=:
  [[ " $REALS $INTEGERS " == *" $f "* ]] || continue
  context "$f"
  for v in "${BAD_NUMBERS[@]}"; do add "--$f bad number" 2 "--$f" "${CTX[@]}" "--$f" "$v"; done
  add "--$f= bad number" 2 "--$f" "${CTX[@]}" "--$f=abc"
  [[ " $UNBOUNDED " == *" $f "* ]] ||
    add "--$f huge" 2 "--$f" "${CTX[@]}" "--$f" 99999999999999999999
  [[ " $INTEGERS " == *" $f "* ]] && for v in 1.5 1e3 -0 +1x 18446744073709551616; do
    add "--$f not an integer" 2 "--$f" "${CTX[@]}" "--$f" "$v"
  done
done

# Values out of each flag's range.
range() { # range FLAG VALUE [EXTRA ARGS...]
  local f=$1 v=$2
  shift 2
  SETUP=:
  context "$f"
  add "--$f out of range" 2 "--$f" "${CTX[@]}" "$@" "--$f" "$v"
}
for f in $RATES; do range "$f" -0.5; range "$f" -1e-300; done
range eps 0
for f in $FRACTIONS; do range "$f" 1; range "$f" 1.5; done
range train-frac 0; range train-frac 1; range train-frac 1.5
range noise 1.5
range batch 0; range batch 999999
range threads 0; range threads 65; range threads 100000
range epochs 0; range epochs 1000000001; range steps 0
range label-col 0
range telemetry-every 0
range reversal-window 0; range reversal-window 32768
range telemetry-samples 257
for v in 1 -1 1.5 -- 0.9,,0.99 '0.9,' ,0.9 0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9 '0.9 ' nan; do
  range poles "$v"
done
for v in 1,0,0 1,0,0,0,0,0 1,0,0,-3,3 a,b,c,d,e 1,0,0,0,nan 1,,0,0,0 '' '1,0,0,0,0,'; do
  range iir "$v"
done
SETUP=$(fix ok.csv)
add "label column past the last" 12 "--label-col|ok\.csv" "${CSV[@]}" --data csv:ok.csv --label-col 9
SETUP=:

# Each option with its value missing at the end of the line, or empty after '='.
for f in $HELP_VALUES; do
  add "--$f without a value" 2 "--$f" "${RUN[@]}" "--$f"
  add "--$f= empty" 2 "--$f" "${RUN[@]}" "--$f="
done
add "--log path too long" 2 "--log" "${RUN[@]}" --log "$(printf 'x%.0s' $(seq 1100))"

# Unknown flags and arguments, and flags that may be given once only.
for a in --frobnicate --LR --lr2 -lr -h - -- foo '' --= --headlesss --Headless ---headless; do
  add "unknown flag" 2 "(unknown option|unexpected argument) '${a%%=*}" "${RUN[@]}" "$a" 1
done
for a in --headless=maybe --help=2 --version=x --nesterov=on --telemetry=2; do
  add "a flag given a value" 2 "${a%%=*}" "${RUN[@]}" "$a"
done
SETUP="echo 'lr = 0.1' >a.cfg"
add "--config twice" 2 "--config" "${RUN[@]}" --config a.cfg --config a.cfg
add "--config twice" 2 "--config" "${RUN[@]}" --config=a.cfg --config a.cfg
SETUP=:

# Unknown names.
for v in rmsprop CEMA '' 'cema ' ' cema' adam2 sgd,adam bop:1; do
  add "unknown --opt" 2 "--opt" "${RUN[@]}" --opt "$v"
done
for v in nosuch step: step:3,2 step:a step:1,,2 step:-1 step:99999999999999999999 linear:1 \
  cosine2 '' LINEAR 'const '; do
  add "bad --schedule" 2 "--schedule" "${RUN[@]}" --schedule "$v"
done
for v in hour '' EPOCH steps; do add "bad --schedule-unit" 2 "--schedule-unit" "${RUN[@]}" --schedule-unit "$v"; done
for v in fp16 int8 '' FP32 'bf16 ' bf; do add "bad --precision" 2 "--precision" "${RUN[@]}" --precision "$v"; done
for v in flop '' CROP 'crop,' ,flip crop,crop 'crop flip' ' crop' flip,crop,flip none,crop crop+flip; do
  add "bad --augment" 2 "--augment" "${RUN[@]}" --augment "$v"
done
for set in spiral xor circles gauss; do
  add "--augment on flat data" 2 "--augment crop,flip: .*not $set" --headless --data $set --model mlp:8 \
    --steps 2 --augment crop,flip
done
SETUP=$(fix ok.csv)
add "--augment on CSV" 2 "--augment flip: .*not csv" "${CSV[@]}" --data csv:ok.csv --augment flip
SETUP=:
for v in mlp:0 mlp:12xx3 1024 cnn:8 mlp:-1 mlp:8x mlp:x8 mlp:99999999999999999999 mlp:1e3 \
  mlp:0x10 mlp:8x0 'mlp: 8' mlp:8.5 MLP:8 '' mlp:8,8 mlp:x; do
  add "bad --model" 2 "--model" "${RUN[@]}" --model "$v"
done
for v in cnn: cnn:c0 cnn:p cnn:c8-p-p cnn:c8r-p cnn:c8k0 cnn:c8kk3 cnn:f8-c8 cnn:c8- cnn:c8--c8 \
  cnn:c8x cnn:f8v 'cnn:c8 -p' CNN:c8 cnn:c8k99 cnn:c8s0; do
  add "bad cnn --model" 2 "--model" "${RUN[@]}" --model "$v"
done
# Models the image does not fit (glyphs are 16x16x1) and images on flat data.
for v in cnn:c8k17v cnn:c8-p-c8-p-c8-p-c8-p-c8-p cnn:c8-c16r cnn:c8r cnn:c8s2r; do
  add "cnn --model too big for the image" 2 "--model" "${RUN[@]}" --model "$v"
done
add "cnn --model: a shortcut on a real first layer" 2 "--model" "${RUN[@]}" --model cnn:c1r-f10 --real-first
add "cnn --model on flat data" 2 "--model cnn:.*flat" "${XOR[@]}" --model cnn:c8
add "cnn --model --summary on flat data" 2 "flat" --data xor --model cnn:c8 --summary
for v in tanh '' HARDTANH 'approxsign ' ste; do add "bad --ste" 2 "--ste" "${RUN[@]}" --ste "$v"; done
for v in max '' MEAN 'mean ' 1; do add "bad --scale" 2 "--scale" "${RUN[@]}" --opt adam --scale "$v"; done
add "--scale mean with a filter optimizer" 2 "--scale mean" "${RUN[@]}" --scale mean
for v in nosuch '' 'wd-filter ' WD-FILTER; do add "unknown --preset" 2 "--preset" "${RUN[@]}" --preset "$v"; done
for v in nosuchset csv: idx: glyphs2 GLYPHS 'glyphs ' glyphs=2; do
  add "unknown --data" 2 "--data" "${RUN[@]}" --data "$v"
done
for v in x 0:alpha=1 5:nosuch=1 5:alpha=abc 5:alpha= :alpha=1 5:=1 5:alpha 5:alpha=-1 5:alpha=nan \
  5:alpha=inf 5:alpha=0x10 '5:alpha= 1' 99999999999999999999:alpha=1 5:batch=1 5:lr=0.1 -5:alpha=1 \
  5.5:alpha=1 0x5:alpha=1 ' 5:alpha=1' 5:Alpha=1 5:alphaa=1; do
  add "bad --change" 2 "--change" "${RUN[@]}" --change "$v"
done
for v in x 0 9 '' 0:x 0: :1 -1:2 0:-1 0:1,0:1 0:1, ,0:1 '0:1 ' ' 0:1' 99:0 0:99999999 1.5 0x1 \
  0:1:2 0:1,0:2,0:3,0:4,0:5,0:6,0:7,0:8,0:9 4294967296:0 0:4294967296; do
  add "bad --trace-weights" 2 "--trace-weights" "${RUN[@]}" --log-jsonl t.jsonl --trace-weights "$v"
done
add "--trace-weights without a JSONL log" 2 "--trace-weights" "${RUN[@]}" --trace-weights 0:1
add "bad --change" 2 "--change" "${RUN[@]}" --opt sgd --change 5:momentum=1
add "bad --change" 2 "--change" "${RUN[@]}" --opt adam --change 5:beta2=1
CHANGES=()
for i in $(seq 65); do CHANGES+=(--change "$i:alpha=0.001"); done
add "65 --change" 2 "--change" "${RUN[@]}" "${CHANGES[@]}"

# ------------------------------------------------------------------ input files

# data FILE-LABEL NEEDLE SETUP ARGS...: a data set that must be refused (exit 1).
data() {
  local label=$1 needle=$2
  SETUP=$3
  shift 3
  add "$label" 1 "$needle" "${CSV[@]}" "$@"
}
data "csv: missing" "missing\.csv" : --data csv:missing.csv
data "csv: a directory" "d\.csv" "mkdir d.csv" --data csv:d.csv
data "csv: a FIFO" "f\.csv" "mkfifo f.csv" --data csv:f.csv
PRE="ulimit -v 1000000" data "csv: /dev/zero" "/dev/zero" : --data csv:/dev/zero
for f in empty header ragged text nan nanfirst inf huge oneclass gap labelonly nolabel onerow nul; do
  data "csv: $f.csv" "$f\.csv" "$(fix $f.csv)" --data "csv:$f.csv"
done
data "csv: binary garbage" "garbage\.bin" "$(fix garbage.bin)" --data csv:garbage.bin
IDX="cp -a \"\$FIX/idxok\" idxset"
I=idxset
data "idx: missing directory" "nosuch" : --data idx:nosuch --batch 2
data "idx: empty directory" "$I" "mkdir $I" --data idx:$I --batch 2
data "idx: a file, not a directory" "ok\.csv" "$(fix ok.csv)" --data idx:ok.csv --batch 2
data "idx: a file missing" "$I" "$IDX; rm $I/t10k-labels-idx1-ubyte" --data idx:$I --batch 2
data "idx: truncated images" "$I" "$IDX; truncate -s 20 $I/train-images-idx3-ubyte" --data idx:$I --batch 2
data "idx: truncated header" "$I" "$IDX; truncate -s 3 $I/train-images-idx3-ubyte" --data idx:$I --batch 2
data "idx: empty images" "$I" "$IDX; : >$I/train-images-idx3-ubyte" --data idx:$I --batch 2
data "idx: truncated labels" "$I" "$IDX; truncate -s 10 $I/t10k-labels-idx1-ubyte" --data idx:$I --batch 2
data "idx: wrong magic" "$I" "$IDX; printf '\\x12\\x34' | dd of=$I/train-images-idx3-ubyte conv=notrunc" \
  --data idx:$I --batch 2
data "idx: labels with image magic" "$I" \
  "$IDX; printf '\\x00\\x00\\x08\\x03' | dd of=$I/train-labels-idx1-ubyte conv=notrunc" --data idx:$I --batch 2
data "idx: float type" "$I" "$IDX; printf '\\x00\\x00\\x0d\\x03' | dd of=$I/train-images-idx3-ubyte conv=notrunc" \
  --data idx:$I --batch 2
data "idx: garbage images" "$I" "$IDX; cp \"\$FIX/garbage.bin\" $I/train-images-idx3-ubyte" --data idx:$I --batch 2
data "idx: 3 labels for 4 images" "$I" "$IDX; printf '\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x03\\x00\\x01\\x00' >$I/train-labels-idx1-ubyte" \
  --data idx:$I --batch 2
data "idx: huge image count" "$I" "$IDX; printf '\\x7f\\xff' | dd of=$I/train-images-idx3-ubyte bs=1 seek=4 conv=notrunc" \
  --data idx:$I --batch 2
data "idx: a FIFO" "$I" "$IDX; rm $I/train-images-idx3-ubyte; mkfifo $I/train-images-idx3-ubyte" --data idx:$I --batch 2
data "idx: a directory" "$I" "$IDX; rm $I/train-images-idx3-ubyte; mkdir $I/train-images-idx3-ubyte" \
  --data idx:$I --batch 2
data "idx: truncated gzip" "$I" \
  "$IDX; gzip -c $I/train-images-idx3-ubyte | head -c 20 >$I/train-images-idx3-ubyte.gz; rm $I/train-images-idx3-ubyte" \
  --data idx:$I --batch 2
data "idx: gzip magic, then garbage" "$I" \
  "$IDX; { printf '\\x1f\\x8b'; cat \"\$FIX/garbage.bin\"; } >$I/train-images-idx3-ubyte" --data idx:$I --batch 2
CIFAR="cp -a \"\$FIX/cifarok\" cset"
data "cifar10: missing directory" "nosuch" : --data cifar10:nosuch
data "cifar10: empty directory" "cset/data_batch_1\.bin" "mkdir cset" --data cifar10:cset
data "cifar10: a file, not a directory" "ok\.csv: not a directory" "$(fix ok.csv)" --data cifar10:ok.csv
for f in data_batch_1 data_batch_3 data_batch_5 test_batch; do
  data "cifar10: $f missing" "cset/$f\.bin: No such file" "$CIFAR; rm cset/$f.bin" --data cifar10:cset
done
data "cifar10: a record cut short" "cset/test_batch\.bin: 6000 bytes is not a positive multiple of 3073" \
  "$CIFAR; truncate -s 6000 cset/test_batch.bin" --data cifar10:cset
data "cifar10: one byte too many" "cset/data_batch_2\.bin: 6147 bytes .*a record is" \
  "$CIFAR; printf x >>cset/data_batch_2.bin" --data cifar10:cset
data "cifar10: an empty file" "cset/data_batch_4\.bin: 0 bytes" "$CIFAR; : >cset/data_batch_4.bin" \
  --data cifar10:cset
data "cifar10: garbage" "cset/data_batch_3\.bin: 4096 bytes" \
  "$CIFAR; cp \"\$FIX/garbage.bin\" cset/data_batch_3.bin" --data cifar10:cset
for v in 0a 0b ff; do
  data "cifar10: label 0x$v" "cset/data_batch_2\.bin: record 1 \(byte 3073\): label $((16#$v)) is not in 0\.\.9" \
    "$CIFAR; printf '\\x$v' | dd of=cset/data_batch_2.bin bs=1 seek=3073 conv=notrunc" --data cifar10:cset
done
data "cifar10: a FIFO" "cset/data_batch_5\.bin" "$CIFAR; rm cset/data_batch_5.bin; mkfifo cset/data_batch_5.bin" \
  --data cifar10:cset
data "cifar10: a directory" "cset/test_batch\.bin" "$CIFAR; rm cset/test_batch.bin; mkdir cset/test_batch.bin" \
  --data cifar10:cset

# --config files: errors name the file and exit 2 (a setting, not a data file).
conf() { # conf LABEL TEXT (printf format): run.cfg holding TEXT
  SETUP="printf '$2' >run.cfg"
  add "--config: $1" 2 "run\.cfg" "${RUN[@]}" --config run.cfg
}
SETUP=:
add "--config: missing" 2 "missing\.cfg" "${RUN[@]}" --config missing.cfg
SETUP="mkfifo run.cfg"; add "--config: a FIFO" 2 "run\.cfg" "${RUN[@]}" --config run.cfg
SETUP="mkdir run.cfg"; add "--config: a directory" 2 "run\.cfg" "${RUN[@]}" --config run.cfg
SETUP=:; PRE="ulimit -v 1000000" add "--config: /dev/zero" 2 "/dev/zero" "${RUN[@]}" --config /dev/zero
SETUP=$(fix garbage.bin); add "--config: binary garbage" 2 "garbage\.bin" "${RUN[@]}" --config garbage.bin
SETUP="yes '# a comment' | head -c 1100000 >run.cfg"; add "--config: over 1 MB" 2 "run\.cfg" "${RUN[@]}" --config run.cfg
conf "unknown key" 'bogus = 3\n'
conf "key without value" 'lr\n'
conf "value without key" '= 3\n'
conf "key with blank" 'l r = 3\n'
conf "config key" 'config = other.cfg\n'
conf "bad real" 'lr = abc\n'
conf "hex real" 'alpha = 0x10\n'
conf "nan" 'alpha = nan\n'
conf "batch 0" 'batch = 0\n'
conf "unknown opt" 'opt = nosuch\n'
conf "bad model" 'model = mlp:0\n'
conf "bad flag value" 'headless = maybe\n'
conf "empty value" 'log =\n'
conf "duplicate key" 'lr = 0.1\nlr = 0.2\n'
conf "duplicate key" 'batch = 10\nbatch = 10\n'
conf "unterminated quote" 'title = "abc\n'
conf "bad escape" 'title = "a\\qb"\n'
conf "NUL escape" 'title = "a\\x00b"\n'
conf "text after quote" 'title = "a" b\n'
conf "bad line after good ones" 'lr = 0.1\n\n# c\nbatch = 1.5\n'

# --load: a bad checkpoint is a bad file (exit 1); another model's may be
# refused as a bad flag too.
load() { # load LABEL NEEDLE SETUP FILE [ARGS...]
  local label=$1 needle=$2
  SETUP=$3
  shift 3
  add "--load: $label" 1 "$needle" --headless --steps 4 --load "$@"
}
load missing "missing\.ckpt" : missing.ckpt
load empty "empty\.ckpt" "$(fix empty.ckpt)" empty.ckpt
load truncated "half\.ckpt" "$(fix half.ckpt)" half.ckpt
load "10 bytes" "ten\.ckpt" "$(fix ten.ckpt)" ten.ckpt
load "a flipped byte" "flipped\.ckpt" "$(fix flipped.ckpt)" flipped.ckpt
load garbage "garbage\.bin" "$(fix garbage.bin)" garbage.bin
load "a CSV file" "ok\.csv" "$(fix ok.csv)" ok.csv
load "a FIFO" "f\.ckpt" "mkfifo f.ckpt" f.ckpt
load "a directory" "d\.ckpt" "mkdir d.ckpt" d.ckpt
PRE="ulimit -v 1000000" load "/dev/zero" "/dev/zero" : /dev/zero
SETUP=$(fix c.ckpt)
add "--load: another model" 12 "c\.ckpt|--model" --headless --steps 4 --load c.ckpt --model mlp:16
add "--load: another data set" 12 "c\.ckpt|--data" --headless --steps 4 --load c.ckpt --data xor
add "--load: another optimizer" 12 "c\.ckpt|--opt" --headless --steps 4 --load c.ckpt --opt adam
add "--load: bad flag over it" 2 "--lr" --headless --steps 4 --load c.ckpt --lr abc
add "--load: --augment over a run without" 2 "--load c\.ckpt: .*--augment none, resumed with --augment crop" \
  --headless --steps 4 --load c.ckpt --augment crop
SETUP=$(fix aug.ckpt)
for v in crop crop,flip none; do
  add "--load: another --augment" 2 "--load aug\.ckpt: .*--augment flip, resumed with --augment $v" \
    --headless --steps 4 --load aug.ckpt --augment $v
done
SETUP="$(fix aug.ckpt); echo 'augment = crop' >run.cfg"
add "--load: another --augment in --config" 2 "--load aug\.ckpt: .*--augment flip" \
  --headless --steps 4 --load aug.ckpt --config run.cfg
SETUP=$(fix c.ckpt)
SETUP=:

# ------------------------------------------------------------------ outputs

FILE_OUTPUTS="log log-jsonl save result screen"
for o in $FILE_OUTPUTS; do
  SETUP=:
  add "--$o: into a missing directory" 1 "nodir/out" "${RUN[@]}" "--$o" nodir/out
  add "--$o: unwritable (/proc)" 1 "/proc/flipscope-out" "${RUN[@]}" "--$o" /proc/flipscope-out
  SETUP="mkdir adir"; add "--$o: a directory" 1 "adir" "${RUN[@]}" "--$o" adir
  SETUP="echo keep >afile"; add "--$o: below a file" 1 "afile/out" "${RUN[@]}" "--$o" afile/out
  if [ "$ROOT_USER" -eq 0 ]; then
    SETUP="mkdir ro; chmod 555 ro"; add "--$o: read-only directory" 1 "ro/out" "${RUN[@]}" "--$o" ro/out
  else # root writes anywhere, but devices are its to make
    # A full device is known only when written to: the logs write their header
    # at the start; --save, --result and --screen write at the end, so there it
    # is a failure after training (exit 1, one error line), not bad input.
    case $o in log | log-jsonl)
      SETUP="mknod full c 1 7"; add "--$o: a full device" 1 "full" "${RUN[@]}" "--$o" full ;;
    esac
    SETUP="mknod null c 1 3"; add "--$o: a null device stays one" any "null" "${RUN[@]}" "--$o" null
  fi
done
SETUP=:
# (--export DIR makes DIR and its parents, as mkdir -p does: a missing parent is no error.)
add "--export: unwritable (/proc)" 1 "/proc/flipscope-out" "${RUN[@]}" --export /proc/flipscope-out
SETUP="echo keep >afile"; add "--export: a file" 1 "afile" "${RUN[@]}" --export afile
SETUP="echo keep >afile"; add "--export: below a file" 1 "afile/sub" "${RUN[@]}" --export afile/sub
[ "$ROOT_USER" -eq 0 ] && { SETUP="mkdir ro; chmod 555 ro"; add "--export: read-only directory" 1 "ro/sub" "${RUN[@]}" --export ro/sub; }

# An output on top of an input: refused, input untouched.
# The message names the file or the output's flag.
for o in $FILE_OUTPUTS; do
  SETUP=$(fix ok.csv)"; mv ok.csv d.csv"
  add "--$o on the --data file" 12 "d\.csv|--$o" "${CSV[@]}" --data csv:d.csv "--$o" d.csv
  add "--$o on the --data file, spelt ./" 12 "d\.csv|--$o" "${CSV[@]}" --data csv:d.csv "--$o" ./d.csv
  SETUP=$(fix ok.csv)"; mv ok.csv d.csv; ln d.csv h.csv"
  add "--$o on a hard link of the --data file" 12 "h\.csv|d\.csv|--$o" "${CSV[@]}" --data csv:d.csv "--$o" h.csv
  SETUP=$(fix ok.csv)"; mv ok.csv d.csv; ln -s d.csv s.csv"
  add "--$o on a symlink to the --data file" 12 "s\.csv|d\.csv|--$o" "${CSV[@]}" --data csv:d.csv "--$o" s.csv
  SETUP="$IDX"
  add "--$o on an IDX file" 12 "idxset|--$o" "${RUN[@]}" --data idx:idxset --batch 2 "--$o" idxset/t10k-labels-idx1-ubyte
  SETUP="$CIFAR"
  add "--$o on a CIFAR-10 file" 12 "cset|--$o" "${RUN[@]}" --data cifar10:cset --batch 2 "--$o" cset/data_batch_3.bin
  SETUP="echo 'batch = 10' >run.cfg"
  add "--$o on the --config file" 12 "run\.cfg|--$o" "${RUN[@]}" --config run.cfg "--$o" run.cfg
  [ "$o" = save ] && continue # --load F --save F resumes and saves in place
  SETUP=$(fix c.ckpt)
  add "--$o on the --load file" 12 "c\.ckpt|--$o" --headless --steps 4 --load c.ckpt "--$o" c.ckpt
done
SETUP=$(fix ok.csv)
add "--export on the --data file" 12 "ok\.csv|--export" "${CSV[@]}" --data csv:ok.csv --export ok.csv

# Two outputs on one file.
set -- $FILE_OUTPUTS
SETUP=:
for a in "$@"; do
  for b in "$@"; do
    [[ "$a" < "$b" ]] || continue
    add "--$a and --$b on one file" 12 "x\.out|--$a|--$b" "${RUN[@]}" "--$a" x.out "--$b" x.out
  done
done
add "--log and --log-jsonl on one file, spelt ./" 12 "x\.out|--log" "${RUN[@]}" --log x.out --log-jsonl ./x.out
set --

# ------------------------------------------------------------------ subcommands

# flipscope checkpoint FILE
ck() { SETUP=$3; add "checkpoint: $1" "${4:-1}" "$2" checkpoint "${@:5}"; }
ck missing "missing\.ckpt" : 1 missing.ckpt
ck empty "empty\.ckpt" "$(fix empty.ckpt)" 1 empty.ckpt
ck truncated "half\.ckpt" "$(fix half.ckpt)" 1 half.ckpt
ck "10 bytes" "ten\.ckpt" "$(fix ten.ckpt)" 1 ten.ckpt
ck "a flipped byte" "flipped\.ckpt" "$(fix flipped.ckpt)" 1 flipped.ckpt
ck garbage "garbage\.bin" "$(fix garbage.bin)" 1 garbage.bin
ck "a CSV file" "ok\.csv" "$(fix ok.csv)" 1 ok.csv
ck "a FIFO" "f\.ckpt" "mkfifo f.ckpt" 1 f.ckpt
ck "a directory" "d\.ckpt" "mkdir d.ckpt" 1 d.ckpt
PRE="ulimit -v 1000000" ck "/dev/zero" "/dev/zero" : 1 /dev/zero
ck "no file" "usage|checkpoint" : 2
ck "two files" "usage|checkpoint" "$(fix c.ckpt)" 2 c.ckpt c.ckpt
ck "an option" "usage|checkpoint|--x" : 2 --x

# flipscope export LOG [LOG2] DIR: DIR must not appear when the log is bad.
ex() { SETUP=$3; add "export: $1" "${4:-1}" "$2" export "${@:5}"; }
ex missing "missing\.csv" : 1 missing.csv out
ex "a FIFO" "f\.csv" "mkfifo f.csv" 1 f.csv out
ex "a FIFO .jsonl" "f\.jsonl" "mkfifo f.jsonl" 1 f.jsonl out
PRE="ulimit -v 1000000" ex "/dev/zero" "/dev/zero" : 1 /dev/zero out
ex garbage "garbage\.bin" "$(fix garbage.bin)" 1 garbage.bin out
ex "empty log" "empty\.csv" "$(fix empty.csv)" 1 empty.csv out
ex "a CSV that is not a log" "ok\.csv" "$(fix ok.csv)" 1 ok.csv out
# (A log whose last line is cut is the log of a run still training: export
# leaves that line out with a note and draws the rest, so it is no bad input.)
ex "JSONL without header" "other\.jsonl" "$(fix other.jsonl)" 1 other.jsonl out
ex "JSONL with a bad line" "badline\.jsonl" "$(fix badline.jsonl)" 1 badline.jsonl out
ex "a directory without logs" "logs" "mkdir logs" 1 logs out
ex "DIR is a file" "afile" "$(fix run.csv run.jsonl); echo keep >afile" 1 run.csv afile
ex "DIR below a file" "afile" "$(fix run.csv run.jsonl); echo keep >afile" 1 run.csv afile/out
ex "DIR on the log" "run\.csv" "$(fix run.csv run.jsonl)" 1 run.csv run.csv
ex "no arguments" "export" : 2
ex "one argument" "export" "$(fix run.csv)" 2 run.csv
ex "unknown option" "--frob" "$(fix run.csv)" 2 --frob run.csv out
ex "--title without value" "--title" : 2 --title
ex "too many arguments" "export|arguments" "$(fix run.csv run.jsonl)" 2 run.csv run.jsonl run.csv out

# flipscope filter [optimizer options] [--response N]
for v in 0 abc 100001 '' 1.5 -1 ' 1' 0x10 1e3 99999999999999999999; do
  SETUP=:; add "filter: bad --response" 2 "--response" filter --response "$v"
done
add "filter: --response without a value" 2 "--response" filter --response
# NEEDLE:ARGS
for a in "--opt:--opt nosuch" "--alpha:--alpha -1" "--alpha:--alpha abc" "--gamma:--gamma nan" \
  "--frob:--frob" "foo:foo" "--poles:--opt iir --poles 1" "--lr:--opt adam --lr 0x10" \
  "--momentum:--opt sgd --momentum 1" "--beta2:--opt adam --beta2 1" "--iir:--opt iir --iir 1,2,3" \
  "--alpha:--alpha" "--response:--response 5 --response abc"; do
  read -ra words <<<"${a#*:}"
  add "filter: bad option" 2 "${a%%:*}" filter "${words[@]}"
done

# flipscope sweep: rejected before any directory or point appears.
SW=(sweep --out sw --data xor --model mlp:8 --steps 2)
sw() { SETUP=${SETUP:-:}; add "sweep: $1" "$2" "$3" "${SW[@]}" "${@:4}"; }
for v in 1e-4:1e-1:log:0 1e-4:1e-1:cubic:3 abc:1:log:3 1:2:log:abc 1e-4:1e-1:log 1:2:lin:1.5 \
  -1:1:lin:3 1e-3:-1:lin:3 1e-3:nan:log:3 1e-3:1e-1:log:100001 0.1,-1 0.1,nan 0.1,,0.2 '0.1;2' 0.1,0x10 \
  '0.1, 0.2'; do
  sw "bad --alpha axis" 2 "--alpha" --alpha "$v"
done
sw "bad --batch axis" 2 "--batch" --batch 10,0
sw "bad --batch axis" 2 "--batch" --batch 10,1.5
sw "bad --seed axis" 2 "--seed" --seed 1,-2
for v in 0 257 abc '' 1.5 -1 ' 1' 0x10; do sw "bad --jobs" 2 "--jobs" --seed 1,2 --jobs "$v"; done
sw "--jobs without a value" 2 "--jobs" --seed 1,2 --jobs
sw "empty --out" 2 "--out|directory" --seed 1,2 --out ''
SETUP="echo keep >afile"; sw "--out a file" 12 "afile" --seed 1,2 --out afile; SETUP=:
sw "nothing to sweep" 2 "nothing to sweep"
for o in result log log-jsonl export save config; do sw "--$o in a sweep" 2 "--$o" --seed 1,2 "--$o" x; done
sw "unknown option" 2 "--frob" --frob 1,2
sw "a bare argument" 2 "foo" --seed 1,2 foo
sw "swept twice" 2 "--alpha" --alpha 1e-3,1e-2 --alpha 1e-4,1e-5
sw "nine axes" 2 "axes|swept|at most" --alpha 1e-3,1e-2 --gamma 0.1,0.2 --wd 0,1e-3 --seed 1,2 --batch 10,20 \
  --init-scale 0.01,0.02 --clip 0,1 --near-zero 0.05,0.1 --real-lr 1e-3,1e-2
sw "too many points" 2 "points" --epochs 1:1000:lin:1000 --batch 1:1000:lin:1000
sw "a bad fixed option" 2 "--batch" --batch 0 --seed 1,2
sw "a bad fixed option" 2 "--lr" --lr abc --seed 1,2
sw "a bad fixed option" 2 "--opt" --opt nosuch --seed 1,2
sw "a bad fixed data set" 12 "missing\.csv|--data" --data csv:missing.csv --seed 1,2
add "sweep: default directory" 2 "--lr" sweep --data xor --model mlp:8 --steps 2 --lr abc --seed 1,2
add "sweep: --collect missing" 1 "nosuch" sweep --collect nosuch
SETUP="mkdir sw; echo garbage >sw/sweep.json"; add "sweep: --collect garbage" 1 "sw" sweep --collect sw
SETUP="mkdir sw; mkfifo sw/sweep.json"; add "sweep: --collect FIFO manifest" 1 "sw" sweep --collect sw
SETUP="mkdir sw"; add "sweep: --collect and an axis" 2 "--collect" sweep --collect sw --seed 1,2
SETUP=:

# ------------------------------------------------------------------ run them

N=$(wc -l <"$CASES")
seq 1 "$N" | xargs -P "$JOBS" -n 20 bash "$(readlink -f "$0")" --run
FAILED=$(cat "$ROOT"/r/* 2>/dev/null | wc -l)
cat "$ROOT"/r/* 2>/dev/null | sort
for f in "${UNKNOWN[@]}"; do echo "FAIL: --$f (from --help) is not in the battery's lists of flags"; done
echo "bad_inputs: $N tried, $((N - FAILED)) rejected cleanly"
[ "$FAILED" -eq 0 ] && [ ${#UNKNOWN[@]} -eq 0 ]
