/* csvlog.h — the per-step CSV log of DESIGN.md:
 * step,epoch,rate,loss,train_acc,test_acc,flips,flip_ratio, then per binary
 * layer l: flips_l<l>,flip_ratio_l<l>; with telemetry, then per layer l:
 * flipflops_l<l>,never_flipped_l<l>,near_zero_l<l>,inertia_abs_median_l<l>
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

/* Opens path and writes the header (with the telemetry columns when
 * telemetry is 1). Returns 0, or -1 with a message. */
int csvlog_open(CsvLog *log, const char *path, const Model *m, int telemetry, char *err,
                size_t errlen);
/* One row; tel is the step's snapshot (NULL: telemetry cells left empty). */
void csvlog_row(CsvLog *log, const StepReport *r, const TelemetrySnapshot *tel);
/* Flushes and closes; returns -1 with a message if any write failed. */
int csvlog_close(CsvLog *log, const char *path, char *err, size_t errlen);

#endif
