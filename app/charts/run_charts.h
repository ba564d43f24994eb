/* run_charts.h — the end of a run with --export: its charts, drawn from its
 * logs once they were closed (app/charts/export.h). The headless runner and
 * the live view call it as their last step; closing a log never draws. */
#ifndef FLIPSCOPE_RUN_CHARTS_H
#define FLIPSCOPE_RUN_CHARTS_H

#include <stddef.h>

#include "app/logs/runlog.h"

/* Writes the charts of the logs p names into p->export_dir (nothing when it
 * is ""), titled p->title; a signal ends the rendering. Some charts that
 * could not be rendered (no gnuplot) are a warning on stderr. Returns 0, or
 * -1 with one line in err. */
int run_charts_render(const RunLogPaths *p, char *err, size_t errlen);

#endif
