/* panel.c — the common start of a chart panel (panel.h). */
#include "app/charts/panel.h"

#include <math.h>
#include <string.h>

#include "app/charts/gnuplot.h"
#include "engine/optim.h"

void panel_reset(FILE *f) {
  fprintf(f, "unset logscale\nunset arrow\nunset label\nunset title\nunset y2tics\nunset y2label\n"
             "set ytics mirror\nunset colorbox\nunset cblabel\nset key default\nset autoscale\n"
             "set xlabel 'step'\nset ylabel ''\nset grid\nset xtics autofreq\nset ytics autofreq\n"
             "set format x '%%g'\nset format y '%%g'\n");
}

void panel_title(FILE *f, const char *title) {
  fprintf(f, "set title ");
  gp_quote(f, title);
  fprintf(f, " noenhanced\n");
}

/* x in at most 3 digits: "0.1", "0.05", "1e-3", "1.8e-3". */
static void short_real(char *buf, size_t len, double x) {
  double a = fabs(x);
  if (x == 0 || !isfinite(x) || (a >= 0.01 && a < 1000)) {
    snprintf(buf, len, "%.3g", x);
    return;
  }
  int e = (int)floor(log10(a));
  double m = round(x / pow(10, e) * 10) / 10;
  if (fabs(m) >= 10) m /= 10, e++;
  snprintf(buf, len, "%ge%d", m, e);
}

/* A marker's label, short so that it stays beside its line rather than
 * across the curves: "alpha 1e-3->1.8e-3", "opt -> cema" (the record's
 * whole text is the log's business). */
static void marker_label(const LogEvent *e, char *buf, size_t len) {
  double k = e->new_value;
  if (!strcmp(e->param, "opt") && k >= 0 && k < OPT_KIND_COUNT && k == floor(k)) {
    snprintf(buf, len, "opt -> %s", optim_ops((OptKind)k)->name);
    return;
  }
  char a[32], b[32];
  short_real(a, sizeof a, e->old_value);
  short_real(b, sizeof b, e->new_value);
  snprintf(buf, len, "%s %s->%s", e->param, a, b);
}

void panel_markers(FILE *f, const LogRun *r) {
  for (size_t i = 0; i < r->nev; i++) {
    if (!isfinite(r->ev[i].step)) continue;
    fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1 lc rgb '#777777' front\n",
            r->ev[i].step, r->ev[i].step);
    char label[160];
    marker_label(&r->ev[i], label, sizeof label);
    fprintf(f, "set label ");
    gp_quote(f, label);
    fprintf(f, " at %.10g, graph 0.97 rotate by 90 right offset -0.6,0 font ',7' textcolor rgb '#555555' front noenhanced\n",
            r->ev[i].step);
  }
}
