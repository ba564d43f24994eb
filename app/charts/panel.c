/* panel.c — the common start of a chart panel (panel.h). */
#include "app/charts/panel.h"

#include <math.h>

#include "app/charts/gnuplot.h"

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

void panel_markers(FILE *f, const LogRun *r) {
  for (size_t i = 0; i < r->nev; i++) {
    if (!isfinite(r->ev[i].step)) continue;
    fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1 lc rgb '#777777' front\n",
            r->ev[i].step, r->ev[i].step);
    fprintf(f, "set label ");
    gp_quote(f, r->ev[i].text);
    fprintf(f, " at %.10g, graph 0.97 rotate by 90 right offset -0.6,0 font ',7' textcolor rgb '#555555' front noenhanced\n",
            r->ev[i].step);
  }
}
