/* resume.h — what a resumed headless run restores besides the trainer: the
 * run's running figures and, for each log, where it stood when the
 * checkpoint was saved (both kept in the checkpoint as its APPS bytes), so
 * that after any stop and resume the logs hold every step exactly once and
 * the summary reads as if the run had never stopped.
 *
 * The promise: a checkpoint is saved only after the logs were flushed and
 * fsync'd, and records each log's absolute path and length. A resume that
 * names the same log checks that the file still holds those bytes (the same
 * header, a last row at or before the checkpoint's step), drops what a killed
 * run wrote after the checkpoint and appends; if the log cannot be continued
 * it refuses with one line and leaves the file as it was. */
#ifndef FLIPSCOPE_RESUME_H
#define FLIPSCOPE_RESUME_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where a log stood when a checkpoint was saved. */
typedef struct {
  char path[PATH_MAX]; /* absolute; "" when the run had no such log (or not a regular file) */
  unsigned long long bytes; /* its length then: the header and the records up to the step */
} LogMark;

/* The headless runner's running figures. */
typedef struct {
  unsigned long long flips_total;
  unsigned long long flips_first;  /* flips at step 1 (zero filter state: about half the weights) */
  double epoch_loss, epoch_acc;  /* sums over the current epoch's steps */
  double epoch_flip_ratio;       /* likewise */
  size_t epoch_steps;
  double test_acc, val_acc;      /* the last evaluation (NAN: none yet) */
  LogMark csv, jsonl;            /* the --log and --log-jsonl files */
} RunFigures;

/* As "key=value" lines, doubles in hexadecimal (exact), paths in hex digits
 * (any byte). Returns the length needed (snprintf-like). */
size_t run_figures_encode(const RunFigures *f, char *buf, size_t len);
/* Reads what run_figures_encode wrote (unknown keys are skipped); 0 or -1. */
int run_figures_decode(const void *app, size_t len, RunFigures *f);

typedef enum {
  LOG_CSV,   /* a header line, then row k for step k */
  LOG_JSONL  /* a header record, then records with a "step" in step order */
} LogFormat;

/* Flushes and fsyncs f (the log at path) and records its length in *m (an
 * empty mark for a file that is not regular). 0, or -1 with a message
 * naming flag and path. */
int log_mark_take(FILE *f, const char *path, const char *flag, LogMark *m, char *err,
                  size_t errlen);

/* Opens the log at path for a run resumed at `step`, given what the
 * checkpoint recorded (m) and this run's header line (without newline):
 * - m names another file (or none): *out = NULL, the caller starts a new log;
 * - m names this file and it can be continued: *out is the file opened for
 *   appending, holding the new header and the old records up to the mark;
 * - otherwise -1 with one line naming flag and path; the file is untouched.
 * With out NULL it only checks (and touches nothing). */
int log_continue(const char *path, LogFormat format, const char *flag, const LogMark *m,
                 uint64_t step, const char *header, FILE **out, char *err, size_t errlen);

#endif
