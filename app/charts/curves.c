/* curves.c — loss, accuracy and flips over the steps (curves.h). */
#include "app/charts/curves.h"

#include "app/charts/panel.h"

static const char *const layer_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                           "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

/* name: a header line, then row i of each of the k series, for i < n. */
static void write_series(ChartDir *o, const char *name, const char *header, size_t n,
                         const double *const *series, size_t k) {
  FILE *f = chart_dir_open(o, name);
  if (!f) return;
  fprintf(f, "%s\n", header);
  for (size_t i = 0; i < n; i++) {
    for (size_t c = 0; c < k; c++) chart_dir_number(f, series[c][i]);
    fputc('\n', f);
  }
  chart_dir_close(o, f, name);
}

/* flips.dat: step, total flips, flips per layer, reversals per layer. */
static void write_flips(ChartDir *o, const LogRun *r) {
  FILE *f = chart_dir_open(o, "flips.dat");
  if (!f) return;
  size_t w = r->ncols_flips;
  fprintf(f, "# step flips");
  for (size_t l = 0; l < r->csv_layers; l++) fprintf(f, " flips_l%zu", l);
  for (size_t l = 0; l < r->csv_layers; l++) fprintf(f, " reversals_l%zu", l);
  fputc('\n', f);
  for (size_t i = 0; i < r->n; i++) {
    chart_dir_number(f, r->step[i]);
    for (size_t c = 0; c < w; c++) chart_dir_number(f, r->flips[i * w + c]);
    for (size_t l = 0; l < r->csv_layers; l++) chart_dir_number(f, r->reversals[i * w + 1 + l]);
    fputc('\n', f);
  }
  chart_dir_close(o, f, "flips.dat");
}

void curves_write_data(ChartDir *o, const LogRun *r) {
  if (!r->n) return;
  const double *loss[] = {r->step, r->loss, r->acc}, *test[] = {r->test_step, r->test_acc};
  write_series(o, "loss.dat", "# step loss train_acc", r->n, loss, 3);
  write_series(o, "test.dat", "# step test_acc", r->ntest, test, 2);
  write_flips(o, r);
}

/* 1 when column c of the flip series has a positive value (log scale needs one). */
static int flips_positive(const LogRun *r, size_t c, int reversals) {
  const double *v = reversals ? r->reversals : r->flips;
  for (size_t i = 0; i < r->n; i++)
    if (v[i * r->ncols_flips + c] > 0) return 1;
  return 0;
}

int curves_have_flips(const LogRun *r) {
  for (size_t c = 0; c < r->ncols_flips; c++)
    if (flips_positive(r, c, 0)) return 1;
  return 0;
}

void curves_panel_loss(FILE *f, const LogRun *r) {
  panel_reset(f);
  panel_markers(f, r);
  panel_title(f, "loss and accuracy");
  fprintf(f, "set ylabel 'loss'\nset y2label 'accuracy'\nset ytics nomirror\nset y2tics\n"
             "set y2range [0:1]\nset key tmargin center horizontal\n"); /* never over a curve */
  fprintf(f, "plot 'loss.dat' using 1:2 with lines lw 1.5 lc rgb '#1f77b4' title 'loss', \\\n"
             "     '' using 1:3 axes x1y2 with lines lw 1 lc rgb '#ff7f0e' title 'train accuracy'");
  if (r->ntest)
    fprintf(f, ", \\\n     'test.dat' using 1:2 axes x1y2 with linespoints pt 7 ps 0.6 lw 1.5 "
               "lc rgb '#2ca02c' title 'test accuracy'");
  fputc('\n', f);
}

void curves_panel_flips(FILE *f, const LogRun *r) {
  panel_reset(f);
  panel_markers(f, r);
  panel_title(f, "flips per step (reversals dashed)");
  fprintf(f, "set logscale y\nset ylabel 'weights flipped'\nset key top right opaque\n");
  const char *sep = "plot ";
  size_t L = r->csv_layers;
  for (size_t l = 0; l < L; l++) {
    if (!flips_positive(r, 1 + l, 0)) continue;
    fprintf(f, "%s'flips.dat' using 1:(column(%zu) > 0 ? column(%zu) : NaN) with lines lw 1.2 "
               "lc rgb '%s' title 'L%zu'",
            sep, 3 + l, 3 + l, layer_colors[l % 8], l + 1);
    sep = ", \\\n     ";
  }
  for (size_t l = 0; r->have_reversals && l < L; l++) {
    if (!flips_positive(r, 1 + l, 1)) continue;
    fprintf(f, "%s'flips.dat' using 1:(column(%zu) > 0 ? column(%zu) : NaN) with lines dt 2 lw 1 "
               "lc rgb '%s' notitle",
            sep, 3 + L + l, 3 + L + l, layer_colors[l % 8]);
    sep = ", \\\n     ";
  }
  fputc('\n', f);
}
