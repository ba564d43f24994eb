/* sweep_results.h — a sweep's results from its finished points: results.csv
 * (one row per point: id, the axes' values, status, test_acc, train_acc,
 * loss, steps, train_s, samples_per_s, flips_total), grid.dat (the first two
 * axes; each cell the best test accuracy over the other axes) and the
 * heatmaps acc_heatmap and flips_heatmap (.gp, .png, .svg). */
#ifndef FLIPSCOPE_SWEEP_RESULTS_H
#define FLIPSCOPE_SWEEP_RESULTS_H

#include <stddef.h>

#include "app/commands/sweep_grid.h"

/* Writes the results and charts of s into s->out and renders the charts
 * when gnuplot is found and some point finished; *missing is the number of
 * points without a result. Returns 0, or -1 after one line on stderr. */
int sweep_results_collect(const Sweep *s, size_t *missing);

#endif
