/* trace_chart.h — the chart of the weights a run traced (--trace-weights):
 * for each, its sign-deciding state y in filter units against the flip
 * threshold (+-threshold dashed), each flip marked, and a strip of its sign
 * underneath (blue +1, red -1); data in trace.dat. */
#ifndef FLIPSCOPE_TRACE_CHART_H
#define FLIPSCOPE_TRACE_CHART_H

#include <stdio.h>

#include "app/charts/chart_dir.h"
#include "app/logs/log_read.h"

/* Writes trace.dat: step, threshold, then per weight y, sign and y at a flip
 * (NaN elsewhere). Nothing when r has no trace records. */
void trace_chart_write_data(ChartDir *o, const LogRun *r);
/* The chart's pixel height for its number of weights. */
int trace_chart_height(const LogRun *r);
/* The gnuplot commands that draw the chart once. */
void trace_chart_body(FILE *f, const LogRun *r, const char *title);

#endif
