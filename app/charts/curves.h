/* curves.h — the charts of a run's series over its steps: loss (loss, train
 * and test accuracy; loss.dat, test.dat) and flips (total and per layer, log
 * scale, reversals dashed; flips.dat). */
#ifndef FLIPSCOPE_CURVES_H
#define FLIPSCOPE_CURVES_H

#include <stdio.h>

#include "app/charts/chart_dir.h"
#include "app/logs/log_read.h"

/* Writes loss.dat, test.dat and flips.dat (nothing when r has no points). */
void curves_write_data(ChartDir *o, const LogRun *r);
/* 1 when some flip column has a positive value (a log scale needs one). */
int curves_have_flips(const LogRun *r);
/* The loss and accuracy panel. */
void curves_panel_loss(FILE *f, const LogRun *r);
/* The flips panel: one line per layer with flips, reversals dashed. */
void curves_panel_flips(FILE *f, const LogRun *r);

#endif
