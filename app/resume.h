/* resume.h — what a resumed headless run restores besides the trainer: the
 * run's running figures (kept in the checkpoint as its APPS bytes) and the
 * records its CSV and JSONL logs had up to the checkpoint, so that after a
 * resume the logs and the summary read as if the run had never stopped. */
#ifndef FLIPSCOPE_RESUME_H
#define FLIPSCOPE_RESUME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The headless runner's running figures. */
typedef struct {
  unsigned long long flips_total;
  double epoch_loss, epoch_acc;  /* sums over the current epoch's steps */
  size_t epoch_steps;
  double test_acc, val_acc;      /* the last evaluation (NAN: none yet) */
} RunFigures;

/* As "key=value" lines, doubles in hexadecimal (exact). Returns the length
 * needed (snprintf-like). */
size_t run_figures_encode(const RunFigures *f, char *buf, size_t len);
/* Reads what run_figures_encode wrote (unknown keys are skipped); 0 or -1. */
int run_figures_decode(const void *app, size_t len, RunFigures *f);

typedef enum {
  LOG_CSV,   /* a header line, then row k for step k */
  LOG_JSONL  /* a header record, then records with a "step" in step order */
} LogFormat;

/* An earlier log's header and the rows a resume at some step keeps. */
typedef struct {
  LogFormat format;
  char *header;  /* without the newline; NULL when there was no usable log */
  char *rows;    /* the rows for steps <= the checkpoint's, newline-terminated */
  size_t rows_len;
} LogTail;

/* Reads path's header and its rows up to `step` (before the log is reopened). */
void resume_log_read(const char *path, LogFormat format, uint64_t step, LogTail *t);
/* After the log at path was reopened as f with its header written: when that
 * header matches the old one (CSV: the same columns; JSONL: the same
 * "layers", i.e. shapes and sampled weights; the run's length may differ),
 * appends the kept rows (and flushes). Returns the rows appended. */
size_t resume_log_write(const LogTail *t, const char *path, FILE *f);
void resume_log_free(LogTail *t);

#endif
