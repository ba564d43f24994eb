/* bode.c — the optimizer's filter response from a log (bode.h). */
#include "app/charts/bode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/charts/gnuplot.h"
#include "app/charts/panel.h"
#include "app/cli/config.h"
#include "engine/filter.h"

enum { BODE_POINTS = 400, MAX_EXTRA = 64 };

/* Rebuilds the optimizer's OptConfig from the header's "opt" object (option
 * names and values), then `extra` option settings (--name=value) after it. */
static int opt_from_header(json_t *opt, char extra[][96], size_t n_extra, OptConfig *out) {
  if (!json_is_object(opt)) return -1;
  size_t argc = 0;
  char **argv = calloc(json_object_size(opt) + n_extra + 1, sizeof *argv);
  int rc = argv ? 0 : -1;
  const char *key;
  json_t *v;
  json_object_foreach(opt, key, v) {
    if (rc) break;
    if (!config_option_is_optimizer(key)) continue; /* never a path (config, load, ...) */
    char value[256];
    if (json_is_string(v)) snprintf(value, sizeof value, "%s", json_string_value(v));
    else if (json_is_boolean(v)) snprintf(value, sizeof value, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_number(v)) snprintf(value, sizeof value, "%.17g", json_number_value(v));
    else continue;
    size_t len = strlen(key) + strlen(value) + 4;
    argv[argc] = malloc(len);
    if (!argv[argc]) rc = -1;
    else snprintf(argv[argc++], len, "--%s=%s", key, value);
  }
  for (size_t i = 0; rc == 0 && i < n_extra; i++) {
    argv[argc] = strdup(extra[i]);
    if (!argv[argc]) rc = -1;
    else argc++;
  }
  if (rc == 0) {
    Config *cfg = malloc(sizeof *cfg);
    char err[256];
    rc = cfg && config_parse((int)argc, argv, cfg, err, sizeof err) == 0 ? 0 : -1;
    if (rc == 0) *out = cfg->opt;
    free(cfg);
  }
  for (size_t i = 0; argv && i < argc; i++) free(argv[i]);
  free(argv);
  return rc;
}

/* "cema: alpha A, gamma G" (or the filter's order), for the curve's title. */
static void describe(const Filter *f, const OptConfig *c, char *buf, size_t len) {
  const char *name = optim_ops(c->kind)->name;
  if (isfinite(f->alpha) && isfinite(f->gamma))
    snprintf(buf, len, "%s: alpha %.3g, gamma %.3g", name, f->alpha, f->gamma);
  else
    snprintf(buf, len, "%s: order %d", name, f->order);
}

static void set_rate(OptConfig *c, double rate) {
  switch (c->kind) {
  case OPT_CEMA: c->alpha = rate; break;
  case OPT_BOP:
  case OPT_BOP2: c->gamma = rate; break;
  case OPT_IIR: break;
  default: c->lr = rate; break;
  }
}

/* The settings at the end of the run: the header's with the parameter
 * changes applied (start's when they cannot be rebuilt), then the last
 * scheduled rate. */
static void end_settings(const LogRun *r, const OptConfig *start, OptConfig *end) {
  char extra[MAX_EXTRA][96];
  size_t n_extra = 0;
  for (size_t i = 0; i < r->nev && n_extra < MAX_EXTRA; i++) {
    double v = r->ev[i].new_value;
    if (config_option_numeric(r->ev[i].param) > 0 && isfinite(v))
      snprintf(extra[n_extra++], sizeof extra[0], "--%s=%.17g", r->ev[i].param, v);
    else if (!strcmp(r->ev[i].param, "opt") && v >= 0 && v < OPT_KIND_COUNT && optim_ops((OptKind)v))
      snprintf(extra[n_extra++], sizeof extra[0], "--opt=%s", optim_ops((OptKind)v)->name);
  }
  if (opt_from_header(json_object_get(r->header, "opt"), extra, n_extra, end)) *end = *start;
  double last_rate = r->nrec ? r->rec[r->nrec - 1].rate : NAN;
  if (end->kind != OPT_IIR && isfinite(last_rate) && last_rate > 0) set_rate(end, last_rate);
}

/* The run's filter at the start in f and, when it differs and is linear
 * and stable, at the end in fe (b->two). 0, or -1 with b->note saying why
 * there is no response to draw. */
static int bode_filters(const LogRun *r, Bode *b, Filter *f, Filter *fe) {
  OptConfig start, end;
  if (!r->header || opt_from_header(json_object_get(r->header, "opt"), NULL, 0, &start)) {
    snprintf(b->note, sizeof b->note, "no optimizer settings in the log");
    return -1;
  }
  end_settings(r, &start, &end);
  char ferr[256];
  if (filter_from_config(&start, f, ferr, sizeof ferr)) {
    snprintf(b->note, sizeof b->note, "%s", ferr);
    return -1;
  }
  describe(f, &start, b->what, sizeof b->what);
  if (!f->linear || !f->stable) {
    snprintf(b->note, sizeof b->note, "%s: %s", optim_ops(start.kind)->name,
             f->note[0] ? f->note : !f->linear ? "no linear filter equivalent" : "unstable filter");
    return -1;
  }
  if (memcmp(&end, &start, sizeof end) != 0 && filter_from_config(&end, fe, ferr, sizeof ferr) == 0 &&
      fe->linear && fe->stable) {
    b->two = 1;
    describe(fe, &end, b->what_end, sizeof b->what_end);
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
