/* dataset.h — a data set in memory: its splits and the memory behind them.
 * Every loader (csv.h, idx.h, glyphs.h, playground.h) fills one; load.h
 * picks the loader a spec names. */
#ifndef FLIPSCOPE_DATASET_H
#define FLIPSCOPE_DATASET_H

#include <stddef.h>

#include "engine/data.h"

typedef struct {
  char name[64];         /* "fashion", "glyphs", ... as chosen (auto resolved) */
  DataSplit train, test;
  DataSplit val;         /* held out of training by val_frac; val.n == 0 without */
  void *storage;         /* owned memory behind the splits */
} Dataset;

/* Frees the storage and clears d. */
void dataset_free(Dataset *d);

#endif
