/* charts.h — the charts of a run read from its logs (app/logs/log_read.h):
 * loss and flips (curves.h), fan_l<l>, heat_l<l> and raster_l<l>
 * (layer_charts.h), bode (bode.h) and dashboard (one page of them all). Each
 * chart is its data files, one .gp script that rebuilds it (`cd DIR &&
 * gnuplot NAME.gp`), and the rendered NAME.png (pngcairo) and NAME.svg.
 * Time charts mark the steps where a parameter changed. */
#ifndef FLIPSCOPE_CHARTS_H
#define FLIPSCOPE_CHARTS_H

#include <stddef.h>

#include "app/logs/log_read.h"

/* Writes the charts of r into dir (made, with its parents), titled title
 * (NULL: the JSONL header's title, else "flipscope run"), and renders them
 * when gnuplot is found, else warns on stderr; notes on stderr what was left
 * out. Returns 0; 1 when some charts failed to render (warnings on stderr,
 * err says how many); or -1 with one line in err (a file that cannot be
 * written, or stop, polled while charts render, said to stop: err says how
 * many charts were rendered). */
int charts_write(const LogRun *r, const char *dir, const char *title, int (*stop)(void), char *err,
                 size_t errlen);

#endif
