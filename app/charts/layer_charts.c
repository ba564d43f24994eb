/* layer_charts.c — per-layer inertia and sign charts from telemetry records (layer_charts.h). */
#include "app/charts/layer_charts.h"

#include <stdlib.h>

#include "app/charts/panel.h"

int layer_charts_grid(const LogRun *r, LayerGrid *g) {
  g->cols = r->nrec < LAYER_GRID_MAX_COLUMNS ? r->nrec : LAYER_GRID_MAX_COLUMNS;
  g->rec = calloc(g->cols ? g->cols : 1, sizeof *g->rec);
  if (!g->rec || g->cols < 2) return -1;
  double s0 = r->rec[0].step, s1 = r->rec[r->nrec - 1].step;
  g->x0 = s0;
  g->dx = (s1 - s0) / (double)(g->cols - 1);
  if (!(g->dx > 0)) g->dx = 1;
  size_t k = 0;
  for (size_t c = 0; c < g->cols; c++) {
    double x = s0 + (double)c * g->dx + 1e-9 * g->dx;
    while (k + 1 < r->nrec && r->rec[k + 1].step <= x) k++;
    g->rec[c] = k;
  }
  return 0;
}

unsigned layer_charts_samples(const LogRun *r, const LayerGrid *g, size_t l) {
  unsigned samples = TEL_MAX_SAMPLES;
  for (size_t c = 0; c < g->cols; c++)
    if (r->rec[g->rec[c]].layer[l].samples < samples) samples = r->rec[g->rec[c]].layer[l].samples;
  return samples;
}

/* fan_l<l>.dat: step, the percentiles, abs_median and near_zero of each record. */
static void write_fan(ChartDir *o, const LogRun *r, size_t l) {
  char name[64];
  snprintf(name, sizeof name, "fan_l%zu.dat", l);
  FILE *f = chart_dir_open(o, name);
  if (!f) return;
  fprintf(f, "# step p0 p7 p16 p31 p50 p69 p84 p93 p100 abs_median near_zero\n");
  for (size_t i = 0; i < r->nrec; i++) {
    const LogLayerStats *L = &r->rec[i].layer[l];
    chart_dir_number(f, r->rec[i].step);
    for (int p = 0; p < TEL_PERCENTILES; p++) chart_dir_number(f, L->pct[p]);
    chart_dir_number(f, L->abs_median);
    chart_dir_number(f, L->near_zero);
    fputc('\n', f);
  }
  chart_dir_close(o, f, name);
}

/* One cell of a matrix data file: bin `row` of the histogram, or the sign of sampled weight `row`. */
static void hist_cell(FILE *f, const LogLayerStats *L, size_t row) { fprintf(f, "%.5g", L->hist[row]); }
static void sign_cell(FILE *f, const LogLayerStats *L, size_t row) { fprintf(f, "%d", L->sign[row]); }

/* A matrix over the grid for layer l: `rows` rows of cells, a column per time. */
static void write_matrix(ChartDir *o, const char *name, const LogRun *r, const LayerGrid *g,
                         size_t l, size_t rows,
                         void (*cell)(FILE *, const LogLayerStats *, size_t)) {
  FILE *f = chart_dir_open(o, name);
  if (!f) return;
  for (size_t row = 0; row < rows; row++) {
    for (size_t c = 0; c < g->cols; c++) {
      if (c) fputc(' ', f);
      cell(f, &r->rec[g->rec[c]].layer[l], row);
    }
    fputc('\n', f);
  }
  chart_dir_close(o, f, name);
}

void layer_charts_write_data(ChartDir *o, const LogRun *r, const LayerGrid *g) {
  for (size_t l = 0; l < r->layers && r->nrec; l++) {
    write_fan(o, r, l);
    if (!g->rec || g->cols < 2) continue;
    char name[64];
    snprintf(name, sizeof name, "heat_l%zu.dat", l); /* row = histogram bin */
    write_matrix(o, name, r, g, l, TEL_HIST_BINS, hist_cell);
    unsigned samples = layer_charts_samples(r, g, l);
    if (samples < 2) continue;
    snprintf(name, sizeof name, "raster_l%zu.dat", l); /* row = sampled weight */
    write_matrix(o, name, r, g, l, samples, sign_cell);
  }
}

void layer_charts_fan(FILE *f, const LogRun *r, size_t l) {
  panel_reset(f);
  panel_markers(f, r);
  char t[96];
  snprintf(t, sizeof t, "L%zu inertia: percentile bands", l + 1);
  panel_title(f, t);
  fprintf(f, "set ylabel 'inertia (filter units)'\nset key top left opaque font ',8'\nset format y '%%.2g'\n");
  fprintf(f, "plot 'fan_l%zu.dat' using 1:2:10 with filledcurves fc rgb '#deebf7' fs solid title 'min-max', \\\n"
             "     '' using 1:3:9 with filledcurves fc rgb '#9ecae1' fs solid title '7-93%%', \\\n"
             "     '' using 1:4:8 with filledcurves fc rgb '#6baed6' fs solid title '16-84%%', \\\n"
             "     '' using 1:5:7 with filledcurves fc rgb '#3182bd' fs solid title '31-69%%', \\\n"
             "     '' using 1:6 with lines lw 1.5 lc rgb '#08306b' title 'median', \\\n"
             "     0 with lines dt 3 lc rgb '#444444' notitle\n",
          l);
}

void layer_charts_heat(FILE *f, const LogRun *r, const LayerGrid *g, size_t l) {
  panel_reset(f);
  panel_markers(f, r);
  char t[96];
  snprintf(t, sizeof t, "L%zu inertia histogram over time", l + 1);
  panel_title(f, t);
  double y0 = r->hist_linear ? -1.0 : TEL_LOG_LO, y1 = r->hist_linear ? 1.0 : TEL_LOG_HI;
  double dy = (y1 - y0) / TEL_HIST_BINS;
  fprintf(f, "set ylabel '%s'\nset cblabel 'share of weights'\nset colorbox\nunset grid\n"
             "set palette defined (0 '#ffffff', 0.1 '#fee8c8', 0.3 '#fdbb84', 0.6 '#e34a33', 1 '#7f0000')\n"
             "set cbrange [0:*]\nset xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n",
          r->hist_linear ? "inertia / max |inertia|" : "log10 |inertia|", g->x0 - g->dx / 2,
          g->x0 + ((double)g->cols - 0.5) * g->dx, y0, y1);
  fprintf(f, "plot 'heat_l%zu.dat' matrix using (%.10g + $1 * %.10g):(%.10g + $2 * %.10g):3 "
             "with image notitle\n",
          l, g->x0, g->dx, y0 + dy / 2, dy);
}

void layer_charts_raster(FILE *f, const LogRun *r, const LayerGrid *g, size_t l, unsigned samples) {
  panel_reset(f);
  panel_markers(f, r);
  char t[96];
  snprintf(t, sizeof t, "L%zu: signs of %u sampled weights (blue +1, red -1)", l + 1, samples);
  panel_title(f, t);
  /* The live view's colours (views/view_weights.c): blue +1, red -1. */
  fprintf(f, "set ylabel 'sampled weight'\nunset grid\n"
             "set palette defined (-1 '#b2182b', 1 '#2166ac')\n"
             "set cbrange [-1:1]\nset xrange [%.10g:%.10g]\nset yrange [-0.5:%.1f]\n",
          g->x0 - g->dx / 2, g->x0 + ((double)g->cols - 0.5) * g->dx, (double)samples - 0.5);
  fprintf(f, "plot 'raster_l%zu.dat' matrix using (%.10g + $1 * %.10g):2:3 with image notitle\n", l,
          g->x0, g->dx);
}
