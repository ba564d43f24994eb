/* csvlog.h — the per-step CSV log of DESIGN.md:
 * step,epoch,rate,loss,train_acc,test_acc,flips,flip_ratio, then per binary
 * layer l: flips_l<l>,flip_ratio_l<l>. test_acc is empty where not evaluated. */
#ifndef FLIPSCOPE_CSVLOG_H
#define FLIPSCOPE_CSVLOG_H

#include <stdio.h>

#include "engine/model.h"
#include "engine/trainer.h"

typedef struct {
  FILE *f;
  size_t layers;
  size_t layer_weights[MODEL_MAX_LAYERS];
} CsvLog;

/* Opens path and writes the header. Returns 0, or -1 with a message. */
int csvlog_open(CsvLog *log, const char *path, const Model *m, char *err, size_t errlen);
void csvlog_row(CsvLog *log, const StepReport *r);
/* Flushes and closes; returns -1 with a message if any write failed. */
int csvlog_close(CsvLog *log, const char *path, char *err, size_t errlen);

#endif
