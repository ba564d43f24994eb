/* trace_chart.c — the traced weights' chart (trace_chart.h). */
#include "app/charts/trace_chart.h"

#include <math.h>
#include <string.h>

#include "app/charts/gnuplot.h"
#include "app/charts/panel.h"

void trace_chart_write_data(ChartDir *o, const LogRun *r) {
  const LogTrace *t = &r->trace;
  if (!t->n) return;
  FILE *f = chart_dir_open(o, "trace.dat");
  if (!f) return;
  fprintf(f, "# step threshold");
  for (size_t k = 0; k < t->weights; k++) fprintf(f, " y_w%zu b_w%zu flip_w%zu", k, k, k);
  fputc('\n', f);
  for (size_t i = 0; i < t->n; i++) {
    const LogTraceRow *row = &t->row[i];
    chart_dir_number(f, row->step);
    chart_dir_number(f, row->threshold);
    for (size_t k = 0; k < t->weights; k++) {
      int flipped = i > 0 && row->b[k] != t->row[i - 1].b[k];
      chart_dir_number(f, row->y[k]);
      fprintf(f, " %d", row->b[k]);
      chart_dir_number(f, flipped ? row->y[k] : NAN);
    }
    fputc('\n', f);
  }
  chart_dir_close(o, f, "trace.dat");
}

int trace_chart_height(const LogRun *r) { return 140 + 210 * (int)r->trace.weights; }

/* The panel title of weight k: where it is (its layer named L1, L2, ... as
 * everywhere else, though --trace-weights counts layers from 0), and the
 * optimizer(s) it ran under. */
static void weight_title(FILE *f, const LogTrace *t, size_t k) {
  const char *first = t->row[0].opt, *last = t->row[t->n - 1].opt;
  char title[96];
  snprintf(title, sizeof title, "L%u, weight %u  (%s%s%s)", t->ref[k].layer + 1u, t->ref[k].index,
           first, strcmp(first, last) ? " -> " : "", strcmp(first, last) ? last : "");
  panel_title(f, title);
}

/* A panel of t between screen heights bottom and top, over all its steps. */
static void panel_frame(FILE *f, const LogTrace *t, double bottom, double top) {
  panel_reset(f);
  fprintf(f, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top, bottom);
  fprintf(f, "set xrange [%.10g:%.10g]\n", t->row[0].step, t->row[t->n - 1].step);
}

/* Weight k's trace panel between screen heights bottom and top. */
static void trace_panel(FILE *f, const LogRun *r, size_t k, double bottom, double top) {
  const size_t y = 3 + 3 * k, flip = y + 2;
  panel_frame(f, &r->trace, bottom, top);
  if (k == 0) panel_markers(f, r);
  weight_title(f, &r->trace, k);
  fprintf(f, "set format x ''\nset xlabel ''\nset ylabel 'y (filter units)'\n");
  fprintf(f, k == 0 ? "set key top left horizontal font ',9'\n" : "unset key\n");
  fprintf(f, "plot 'trace.dat' using 1:%zu with lines lw 1.3 lc rgb '#333333' title 'y', \\\n"
             "     '' using 1:2 with lines dt 2 lw 1 lc rgb '#d62728' "
             "title 'flip threshold (+-)', \\\n"
             "     '' using 1:(-column(2)) with lines dt 2 lw 1 lc rgb '#d62728' notitle, \\\n"
             "     '' using 1:%zu with points pt 7 ps 0.9 lc rgb '#ff7f0e' title 'flip'\n",
          y, flip);
}

/* Weight k's sign strip between screen heights bottom and top. */
static void sign_strip(FILE *f, const LogTrace *t, size_t k, double bottom, double top) {
  const size_t b = 4 + 3 * k;
  const int last = k + 1 == t->weights;
  panel_frame(f, t, bottom, top);
  fprintf(f, "unset key\nunset grid\nset yrange [-1.3:1.3]\nset ytics ('-1' -1, '+1' 1)\n"
             "set ylabel 'sign'\n");
  if (!last) fprintf(f, "set format x ''\nset xlabel ''\n");
  fprintf(f, "plot 'trace.dat' using 1:(column(%zu) > 0 ? 1 : 0) with fillsteps fs solid 1.0 "
             "noborder lc rgb '#1f77b4', \\\n"
             "     '' using 1:(column(%zu) < 0 ? -1 : 0) with fillsteps fs solid 1.0 noborder "
             "lc rgb '#d62728'\n",
          b, b);
}

void trace_chart_body(FILE *f, const LogRun *r, const char *title) {
  const LogTrace *t = &r->trace;
  const double top = 1 - 60.0 / trace_chart_height(r), block = (top - 0.04) / (double)t->weights;
  fprintf(f, "set multiplot title ");
  gp_quote(f, title);
  fprintf(f, " noenhanced font ',12'\n");
  fprintf(f, "set lmargin at screen 0.09\nset rmargin at screen 0.97\n");
  for (size_t k = 0; k < t->weights; k++) {
    double hi = top - block * (double)k, lo = hi - block;
    trace_panel(f, r, k, lo + 0.36 * block, hi - 0.12 * block);
    sign_strip(f, t, k, lo + 0.12 * block, lo + 0.33 * block);
  }
  fprintf(f, "unset multiplot\nset autoscale\nunset tmargin\nunset bmargin\nunset lmargin\n"
             "unset rmargin\n");
}
