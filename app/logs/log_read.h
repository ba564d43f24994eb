/* log_read.h — a run read back from its logs (docs/logs.md) into memory:
 * the JSONL header, its telemetry step records (one in k kept beyond
 * LOG_READ_MAX_RECORDS), its param_change records, and the loss, accuracy
 * and flip series of the CSV rows (bucket means beyond LOG_READ_MAX_POINTS),
 * or of the JSONL step records when there is no CSV.
 *
 * Each log is read once, whole, so one still being written is read as it was
 * at that moment (its unfinished last line left out, with a note); only
 * regular files are read, and no path found inside a log is followed. */
#ifndef FLIPSCOPE_LOG_READ_H
#define FLIPSCOPE_LOG_READ_H

#include <stddef.h>
#include <stdint.h>

#include "app/io/json.h"
#include "app/logs/trace_read.h"
#include "engine/telemetry.h"

/* The largest log read (a larger one is refused, naming the file). */
#define LOG_READ_MAX_BYTES ((size_t)1 << 30)

enum {
  LOG_READ_MAX_RECORDS = 2048, /* JSONL step records kept (one in k beyond, the last kept too) */
  LOG_READ_MAX_POINTS = 4000   /* CSV rows kept (bucket means beyond) */
};

/* One binary layer's statistics in a telemetry step record. */
typedef struct {
  float pct[TEL_PERCENTILES];
  float abs_median, near_zero;
  float hist[TEL_HIST_BINS]; /* shares of the subsample */
  unsigned samples;
  int8_t sign[TEL_MAX_SAMPLES];
} LogLayerStats;

/* A telemetry step record. */
typedef struct {
  double step, rate;
  LogLayerStats *layer; /* one per layer of the header */
} LogRecord;

/* A param_change record. */
typedef struct {
  double step, old_value, new_value;
  char param[64];
  char text[160]; /* the record's text, or "PARAM OLD -> NEW" */
  /* A switch of optimizer ("opt"): the new optimizer's settings, an object
   * like the header's "opt"; NULL in logs written before they were logged. */
  json_t *settings;
} LogEvent;

typedef struct {
  /* JSONL */
  json_t *header; /* NULL: no JSONL log */
  size_t layers;
  int hist_linear;
  LogRecord *rec;
  size_t nrec;
  LogEvent *ev;
  size_t nev, evcap;
  LogTrace trace;   /* the --trace-weights records (trace.weights 0: none) */
  /* CSV (or the JSONL records when there is no CSV) */
  size_t n, ncols_flips; /* points; flip series: total + per layer (+ reversals per layer) */
  double *step, *loss, *acc, *flips, *reversals; /* flips: n x (layers + 1) */
  int have_reversals;
  size_t ntest;
  double *test_step, *test_acc;
  size_t csv_layers;
  char note[256]; /* what the reading left out, for the user ("" when nothing) */
} LogRun;

/* Reads a run from csv and/or jsonl (either may be NULL) into r. Returns 0,
 * or -1 with one line in err (a file that cannot be read, a malformed log).
 * Either way r is to be released with log_run_free. */
int log_read_run(const char *csv, const char *jsonl, LogRun *r, char *err, size_t errlen);

/* Reads the JSONL log text[0, len) as log_read_run reads the file `path`
 * (the name used in messages) when there is no CSV: the entry point of tests
 * and the fuzz target. Returns 0, or -1 with one line in err naming path and
 * the line; either way r is to be released with log_run_free. */
int log_read_jsonl_text(const char *text, size_t len, const char *path, LogRun *r, char *err,
                        size_t errlen);

/* Releases what r holds. */
void log_run_free(LogRun *r);

#endif
