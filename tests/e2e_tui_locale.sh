#!/usr/bin/env bash
# e2e_tui_locale.sh — the live view under a decimal-comma locale (run by
# `make test`): de_DE.UTF-8 is built into $DIR (localedef, LOCPATH), the view
# runs in tmux with LANG and LC_ALL set to it and --log, --log-jsonl, --save
# and --export, and quits on q. The screen must still be UTF-8 (the locale's
# character type is used), while every number is written in the C locale:
# the CSV's rows have the header's columns and parse as numbers, the charts
# (from the CSV and the JSONL) are exported, the checkpoint loads, and a
# headless --load resumes from it. SKIPs (exit 0) only without localedef.
set -u
NAME=e2e_tui_locale
command -v localedef >/dev/null || { echo "$NAME: SKIP: localedef is not installed"; exit 0; }
. "$(dirname "$0")/tui_tmux.sh"
START=$(date +%s.%N)

mkdir "$DIR/locale" "$DIR/run"
localedef -i de_DE -f UTF-8 "$DIR/locale/de_DE.UTF-8" >"$DIR/localedef.out" 2>&1 \
  || fail "localedef cannot build de_DE.UTF-8 (the locales package: make deps): $(tail -3 "$DIR/localedef.out")"
DE="LOCPATH=$DIR/locale LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8"
[ "$(env $DE printf '%.1f' 1.5 2>/dev/null)" = "1,5" ] || fail "the de_DE.UTF-8 built here does not write 1,5"

# --- the live view in de_DE ------------------------------------------------------------
R="$DIR/run"
tui_start "$DE" "--data glyphs --model mlp:64 --epochs 100000 --threads 1 --seed 11 --eval-every 20 \
  --log $R/log.csv --log-jsonl $R/telemetry.jsonl --save $R/de.ckpt --export $R/charts"
wait_for 'step [0-9]{2,}/' 20 || fail "the dashboard did not start training"
# telemetry records come 4 times a second: wait for a few (the export needs 2)
deadline=$(($(date +%s%N) + 20000000000))
until [ "$(grep -c '"step"' "$R/telemetry.jsonl" 2>/dev/null)" -ge 3 ]; do
  [ "$(date +%s%N)" -lt "$deadline" ] || fail "fewer than 3 telemetry records after 20 s"
  sleep 0.05
done
screen | grep -q '╭' || fail "no UTF-8 box drawing under de_DE.UTF-8"
$T send-keys -t e2e q
code=$(wait_exit 60) || fail "q did not quit"
[ "$code" = 0 ] || fail "exit code $code: $(cat "$DIR/stderr")"
check_restored

# --- what it wrote ------------------------------------------------------------------------
awk -F, 'NR == 1 { n = NF; next }
         NF != n { print "line " NR ": " NF " fields, the header has " n; bad = 1; exit }
         { for (i = 1; i <= NF; i++)
             if ($i !~ /^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|nan|-?inf)?$/) {
               print "line " NR " field " i ": " $i; bad = 1; exit } }
         END { if (NR < 3) { print "only " NR " lines"; bad = 1 } exit bad }' "$R/log.csv" >"$DIR/csv.err" \
  || fail "the CSV log does not parse: $(cat "$DIR/csv.err")"
grep -q '[0-9]\.[0-9]' "$R/log.csv" || fail "no decimal point in the CSV log"
for chart in loss flips fan_l0 heat_l0 raster_l0; do
  [ -s "$R/charts/$chart.png" ] && [ -s "$R/charts/$chart.svg" ] \
    || fail "the export has no $chart chart (got: $(ls "$R/charts" 2>&1 | tr '\n' ' '))"
done
"$BIN" checkpoint "$R/de.ckpt" >"$DIR/ckpt.json" 2>"$DIR/ckpt.err" \
  || fail "the checkpoint does not load: $(cat "$DIR/ckpt.err")"
at=$(grep -o '"step":[0-9]*' "$DIR/ckpt.json" | tr -dc '0-9')
env $DE "$BIN" --headless --load "$R/de.ckpt" --steps $((at + 3)) --threads 1 \
  >"$DIR/resume.json" 2>"$DIR/resume.err" || fail "--load of the checkpoint fails: $(cat "$DIR/resume.err")"
grep -q "\"steps\":$((at + 3))" "$DIR/resume.json" \
  || fail "the resumed run did not reach step $((at + 3)): $(head -c 400 "$DIR/resume.json")"

END=$(date +%s.%N)
echo "$NAME: ok in $(echo "$END - $START" | bc)s"
