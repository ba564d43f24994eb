/* bode.c — the optimizer's filter response from a log (bode.h). */
#include "app/charts/bode.h"

#include <math.h>
#include <string.h>

#include "app/charts/gnuplot.h"
#include "app/charts/panel.h"
#include "app/charts/run_opt.h"
#include "engine/filter.h"
#include "views/views.h"

enum { BODE_POINTS = 400 };

/* "cema alpha 0.001 gamma 1", "sgd lr 0.1 wd 0.01 (= cema alpha 0.001 gamma 1)":
 * the optimizer and, for another than CEMA, the CEMA its filter is. */
static void describe(const Filter *f, const OptConfig *c, char *buf, size_t len) {
  char opt[128];
  dash_opt_describe(c, opt, sizeof opt);
  if (c->kind != OPT_CEMA && isfinite(f->alpha) && isfinite(f->gamma))
    snprintf(buf, len, "%s (= cema alpha %.3g gamma %.3g)", opt, f->alpha, f->gamma);
  else
    snprintf(buf, len, "%s", opt);
}

/* The run's filter at the start in f and, when it differs and is linear
 * and stable, at the end in fe (b->two): the settings after the logged
 * changes and switches, with the last scheduled rate. 0, or -1 with
 * b->note saying why there is no response to draw. */
static int bode_filters(const LogRun *r, Bode *b, Filter *f, Filter *fe) {
  RunOpt ro;
  if (run_opt_read(r, &ro)) {
    snprintf(b->note, sizeof b->note, "no optimizer settings in the log");
    return -1;
  }
  const OptConfig *start = &ro.start, *end = &ro.end;
  char ferr[256];
  if (filter_from_config(start, f, ferr, sizeof ferr)) {
    snprintf(b->note, sizeof b->note, "%s", ferr);
    return -1;
  }
  describe(f, start, b->what, sizeof b->what);
  if (!f->linear || !f->stable) {
    snprintf(b->note, sizeof b->note, "%s: %s", optim_ops(start->kind)->name,
             f->note[0] ? f->note : !f->linear ? "no linear filter equivalent" : "unstable filter");
    return -1;
  }
  if (memcmp(end, start, sizeof *end) != 0 && filter_from_config(end, fe, ferr, sizeof ferr) == 0 &&
      fe->linear && fe->stable) {
    b->two = 1;
    describe(fe, end, b->what_end, sizeof b->what_end);
  }
  return 0;
}

/* A phase continued from the one at the frequency before (no jumps of more than pi). */
typedef struct {
  double prev, unwrap;
} Phase;

/* Phase ph at the k-th frequency, unwrapped, in degrees. */
static double phase_degrees(Phase *p, double ph, int k) {
  if (k && ph - p->prev > M_PI) p->unwrap -= 2 * M_PI;
  if (k && ph - p->prev < -M_PI) p->unwrap += 2 * M_PI;
  p->prev = ph;
  return (ph + p->unwrap) * 180 / M_PI;
}

/* bode.dat: BODE_POINTS log-spaced frequencies from `lowest` to pi. */
static void write_response(ChartDir *o, const Bode *b, const Filter *f, const Filter *fe,
                           double lowest) {
  FILE *out = chart_dir_open(o, "bode.dat");
  if (!out) return;
  fprintf(out, "# w_rad_per_step mag_db phase_deg%s\n", b->two ? " mag_db_end phase_deg_end" : "");
  Phase start = {0, 0}, end = {0, 0};
  for (int k = 0; k < BODE_POINTS; k++) {
    double w = lowest * pow(M_PI / lowest, (double)k / (BODE_POINTS - 1));
    if (k == BODE_POINTS - 1) w = M_PI * (1 - 1e-9);
    double mag, ph;
    filter_eval(f, w, &mag, &ph);
    chart_dir_number(out, w);
    chart_dir_number(out, mag);
    chart_dir_number(out, phase_degrees(&start, ph, k));
    if (b->two) {
      filter_eval(fe, w, &mag, &ph);
      chart_dir_number(out, mag);
      chart_dir_number(out, phase_degrees(&end, ph, k));
    }
    fputc('\n', out);
  }
  chart_dir_close(o, out, "bode.dat");
}

void bode_write_data(ChartDir *o, const LogRun *r, Bode *b) {
  memset(b, 0, sizeof *b);
  Filter f, fe;
  if (bode_filters(r, b, &f, &fe)) return;
  b->cutoff = filter_cutoff(&f);
  b->cutoff_end = b->two ? filter_cutoff(&fe) : NAN;
  /* From 1e-3 rad/step, or lower to show 1.5 decades below a cut-off (not below 1e-8). */
  double lowest = 1e-3;
  if (isfinite(b->cutoff) && b->cutoff > 0 && b->cutoff / 30 < lowest) lowest = b->cutoff / 30;
  if (isfinite(b->cutoff_end) && b->cutoff_end > 0 && b->cutoff_end / 30 < lowest)
    lowest = b->cutoff_end / 30;
  if (lowest < 1e-8) lowest = 1e-8;
  write_response(o, b, &f, &fe, lowest);
  b->ok = !o->failed;
}

/* ---------------------------------------------------------------- the panel */

/* A dashed line and a label at cut-off frequency wc (none when there is none). */
static void cutoff_marker(FILE *f, double wc, const char *color, const char *what, double y) {
  if (!(isfinite(wc) && wc > 0)) return;
  fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.2 lc rgb '%s' front\n",
          wc, wc, color);
  char text[96];
  snprintf(text, sizeof text, "%s cut-off %.3g rad/step", what, wc);
  fprintf(f, "set label ");
  gp_quote(f, text);
  fprintf(f, " at %.10g, graph %.2f offset 0.5,0 font ',8' textcolor rgb '%s' front\n", wc, y, color);
}

/* The panel without a response: the note, up to its first ';', wrapped into
 * at most 5 lines of at most 60 bytes. */
static void note_panel(FILE *f, const Bode *b) {
  panel_title(f, "filter frequency response");
  fprintf(f, "set xrange [1e-4:pi]\nset yrange [-60:5]\n");
  char note[400];
  snprintf(note, sizeof note, "%s", b->note[0] ? b->note : "no filter");
  note[strcspn(note, ";")] = 0;
  int line = 0;
  for (char *p = note; *p && line < 5; line++) {
    size_t len = strlen(p), cut = len;
    if (len > 60) {
      cut = 60;
      while (cut > 20 && p[cut] != ' ') cut--;
    }
    char save = p[cut];
    p[cut] = 0;
    fprintf(f, "set label %d ", line + 1);
    gp_quote(f, p);
    fprintf(f, " at graph 0.5, graph %.2f center noenhanced\n", 0.6 - 0.08 * line);
    p[cut] = save;
    p += cut;
    while (*p == ' ') p++;
  }
  fprintf(f, "plot 1/0 notitle\n");
}

void bode_panel(FILE *f, const Bode *b, int phase) {
  panel_reset(f);
  fprintf(f, "set logscale x\nset xlabel 'frequency (rad/step)'\nset xrange [*:pi]\n"
             "set key bottom left opaque font ',8'\n");
  if (!b->ok) {
    note_panel(f, b);
    return;
  }
  /* Magnitude (column 2, end of run in 4) or phase (3, end in 5) of bode.dat. */
  panel_title(f, phase ? "filter frequency response: phase"
                       : "filter frequency response: magnitude (gradient to inertia)");
  fprintf(f, "set ylabel '%s'\n", phase ? "phase (degrees)" : "magnitude (dB)");
  cutoff_marker(f, b->cutoff, "#d62728", b->two ? "start" : "", 0.9);
  if (b->two) cutoff_marker(f, b->cutoff_end, "#9467bd", "end", 0.75);
  fprintf(f, "plot 'bode.dat' using 1:%d with lines lw 1.5 lc rgb '#1f77b4' title ", phase ? 3 : 2);
  gp_quote(f, b->what);
  if (b->two) {
    fprintf(f, ", \\\n     '' using 1:%d with lines lw 1.5 dt 2 lc rgb '#9467bd' title ", phase ? 5 : 4);
    char t[240];
    snprintf(t, sizeof t, "end of run: %s", b->what_end);
    gp_quote(f, phase ? "end of run" : t);
  }
  if (!phase) fprintf(f, ", \\\n     -3 with lines dt 3 lc rgb '#888888' title '-3 dB'");
  fputc('\n', f);
}
