/* csvlog.h — the per-step CSV log (docs/logs.md):
 * step,epoch,rate,loss,train_acc,test_acc,flips,flip_ratio, then per binary
 * layer l: flips_l<l>,flip_ratio_l<l>; with telemetry, then per layer l:
 * reversals_l<l>,never_flipped_l<l>,near_zero_l<l>,inertia_abs_median_l<l>
 * (the last two only on steps with fresh statistics, else empty).
 * test_acc is empty where not evaluated. docs/logs.md has the details. */
#ifndef FLIPSCOPE_CSVLOG_H
#define FLIPSCOPE_CSVLOG_H

#include <stdio.h>

#include "engine/model.h"
#include "engine/telemetry.h"
#include "engine/trainer.h"

typedef struct {
  FILE *f;
  size_t layers;
  size_t layer_weights[MODEL_MAX_LAYERS];
  int telemetry;  /* the telemetry columns are present */
} CsvLog;

/* Sets log up for model m (with the telemetry columns when telemetry is 1)
 * and writes its rows to f, which the caller opened. */
void csvlog_init(CsvLog *log, FILE *f, const Model *m, int telemetry);
/* The header line, without its newline. */
void csvlog_header(const CsvLog *log, FILE *out);
/* One row; tel is the step's snapshot (NULL: telemetry cells left empty). */
void csvlog_row(CsvLog *log, const StepReport *r, const TelemetrySnapshot *tel);
/* Flushes and closes; returns -1 with a message if any write failed. */
int csvlog_close(CsvLog *log, const char *path, char *err, size_t errlen);

#endif
