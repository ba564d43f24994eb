/* bode.h — the bode chart: the frequency response (magnitude and phase) of
 * the optimizer's filter from gradient to inertia, rebuilt from the JSONL
 * header's settings, with its cut-off marked; and, when parameter changes or
 * the schedule moved it, the filter at the end of the run as a second curve. */
#ifndef FLIPSCOPE_BODE_H
#define FLIPSCOPE_BODE_H

#include <stdio.h>

#include "app/charts/chart_dir.h"
#include "app/logs/log_read.h"

typedef struct {
  int ok;              /* a linear, stable filter: the response is in bode.dat */
  double cutoff, cutoff_end;
  int two;             /* a second curve: the filter at the end of the run */
  char what[200], what_end[200], note[400]; /* note: why there is no response */
} Bode;

/* Writes bode.dat when r's optimizer has a linear, stable filter, and fills b. */
void bode_write_data(ChartDir *o, const LogRun *r, Bode *b);
/* The magnitude (phase 0) or phase panel; without a response, b's note. */
void bode_panel(FILE *f, const Bode *b, int phase);

#endif
