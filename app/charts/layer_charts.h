/* layer_charts.h — the charts of each binary layer's telemetry records:
 * fan_l<l> (inertia percentile bands), heat_l<l> (inertia histogram over
 * time) and raster_l<l> (signs of the sampled weights). The last two are
 * images on a time grid of at most LAYER_GRID_MAX_COLUMNS columns. */
#ifndef FLIPSCOPE_LAYER_CHARTS_H
#define FLIPSCOPE_LAYER_CHARTS_H

#include <stddef.h>
#include <stdio.h>

#include "app/charts/chart_dir.h"
#include "app/logs/log_read.h"

enum { LAYER_GRID_MAX_COLUMNS = 600 };

/* The image charts' time grid: column c shows the last record at or before x_c. */
typedef struct {
  size_t cols;
  double x0, dx;
  size_t *rec; /* record index per column (NULL: no grid) */
} LayerGrid;

/* Makes r's time grid (g->rec to free). 0, or -1 when r has fewer than two
 * records or memory ran out. */
int layer_charts_grid(const LogRun *r, LayerGrid *g);
/* The sampled weights layer l has in every column of the grid. */
unsigned layer_charts_samples(const LogRun *r, const LayerGrid *g, size_t l);
/* Writes fan_l<l>.dat for each layer (when r has records) and, on a grid,
 * heat_l<l>.dat and raster_l<l>.dat (when the layer has 2 samples or more). */
void layer_charts_write_data(ChartDir *o, const LogRun *r, const LayerGrid *g);
/* The panels of layer l. */
void layer_charts_fan(FILE *f, const LogRun *r, size_t l);
void layer_charts_heat(FILE *f, const LogRun *r, const LayerGrid *g, size_t l);
void layer_charts_raster(FILE *f, const LogRun *r, const LayerGrid *g, size_t l, unsigned samples);

#endif
