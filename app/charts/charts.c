/* charts.c — which charts a run gets, their scripts, and rendering them (charts.h). */
#include "app/charts/charts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/charts/bode.h"
#include "app/charts/chart_dir.h"
#include "app/charts/curves.h"
#include "app/charts/gnuplot.h"
#include "app/charts/layer_charts.h"
#include "app/charts/run_opt.h"
#include "app/charts/trace_chart.h"
#include "app/io/make_dirs.h"
#include "engine/model.h"
#include "views/views.h"

typedef enum {
  CH_LOSS, CH_FLIPS, CH_FAN, CH_HEAT, CH_RASTER, CH_BODE, CH_TRACE, CH_DASHBOARD
} ChartKind;

/* What there is to draw for a run. */
typedef struct {
  const LogRun *r;
  const char *title;
  char opt_line[400]; /* the optimizer it started and ended with, when they differ ("": none) */
  LayerGrid g;
  Bode b;
  unsigned samples[MODEL_MAX_LAYERS]; /* per layer, on the grid */
  int have_loss, have_flips, have_images, have_bode;
} Charts;

/* Starts a page of rows x cols panels under the run's title (and, after a
 * switch or change of settings, the optimizer it started and ended with). */
static void page_start(FILE *f, const Charts *c, int rows, int cols) {
  fprintf(f, "set multiplot layout %d,%d title ", rows, cols);
  gp_quote(f, c->title);
  if (c->opt_line[0]) {
    fprintf(f, ".\"\\n\".");
    gp_quote(f, c->opt_line);
  }
  fprintf(f, " noenhanced font ',11'\n");
}

/* The dashboard's panels, in order: those of layer 0's charts the run has
 * and the Bode magnitude. Returns how many. */
static int dashboard_panels(const Charts *c, ChartKind *out) {
  int n = 0;
  if (c->have_loss) out[n++] = CH_LOSS;
  if (c->have_flips) out[n++] = CH_FLIPS;
  if (c->r->nrec >= 2) out[n++] = CH_FAN;
  if (c->have_images) out[n++] = CH_HEAT;
  if (c->have_images && c->samples[0] >= 2) out[n++] = CH_RASTER;
  if (c->have_bode) out[n++] = CH_BODE;
  return n;
}

static void chart_panel(FILE *f, const Charts *c, ChartKind kind, size_t l);

/* One page of the panels the run has, two per row. */
static void dashboard(FILE *f, const Charts *c) {
  ChartKind panels[CH_DASHBOARD];
  int n = dashboard_panels(c, panels);
  page_start(f, c, (n + 1) / 2, n > 1 ? 2 : 1);
  for (int i = 0; i < n; i++) {
    if (panels[i] == CH_BODE) bode_panel(f, &c->b, 0);
    else chart_panel(f, c, panels[i], 0);
  }
  fprintf(f, "unset multiplot\n");
}

/* The gnuplot commands of one panel of chart `kind` (of layer l). */
static void chart_panel(FILE *f, const Charts *c, ChartKind kind, size_t l) {
  const LogRun *r = c->r;
  switch (kind) {
  case CH_LOSS: curves_panel_loss(f, r); break;
  case CH_FLIPS: curves_panel_flips(f, r); break;
  case CH_FAN: layer_charts_fan(f, r, l); break;
  case CH_HEAT: layer_charts_heat(f, r, &c->g, l); break;
  case CH_RASTER: layer_charts_raster(f, r, &c->g, l, c->samples[l]); break;
  case CH_BODE:
    bode_panel(f, &c->b, 0);
    bode_panel(f, &c->b, 1);
    break;
  case CH_TRACE: trace_chart_body(f, r, c->title); break;
  case CH_DASHBOARD: dashboard(f, c); break;
  }
}

/* The gnuplot commands that draw chart `kind` (of layer l) once, under the
 * run's title. */
static void chart_body(FILE *f, const Charts *c, ChartKind kind, size_t l) {
  if (kind == CH_DASHBOARD || kind == CH_TRACE) { /* pages of their own layout */
    chart_panel(f, c, kind, l);
    return;
  }
  page_start(f, c, kind == CH_BODE ? 2 : 1, 1);
  chart_panel(f, c, kind, l);
  fprintf(f, "unset multiplot\n");
}

/* The dashboard's size: two panels a row, 400 pixels high. */
static int dashboard_height(const Charts *c) {
  ChartKind panels[CH_DASHBOARD];
  return 100 + 400 * ((dashboard_panels(c, panels) + 1) / 2);
}

/* base.gp: the chart drawn twice, to base.png and to base.svg. */
static void write_script(ChartDir *o, const Charts *c, const char *base, ChartKind kind, size_t l,
                         int width, int height) {
  char name[80];
  snprintf(name, sizeof name, "%s.gp", base);
  FILE *f = chart_dir_open(o, name);
  if (!f) return;
  fprintf(f, "# flipscope chart %s; rebuild %s.png and %s.svg with: gnuplot %s (in this directory)\n",
          base, base, base, name);
  for (int png = 1; png >= 0; png--) {
    int w = kind == CH_DASHBOARD ? 1500 : width;
    int h = kind == CH_DASHBOARD ? dashboard_height(c) : height;
    gp_terminal(f, base, png, w, h);
    chart_body(f, c, kind, l);
    fprintf(f, "unset output\n");
  }
  chart_dir_close(o, f, name);
  chart_dir_add_script(o, name);
}

/* The scripts of layer l's charts. */
static void write_layer_scripts(ChartDir *o, const Charts *c, size_t l) {
  char base[32];
  if (c->r->nrec >= 2) {
    snprintf(base, sizeof base, "fan_l%zu", l);
    write_script(o, c, base, CH_FAN, l, 1000, 600);
  }
  if (!c->have_images) return;
  snprintf(base, sizeof base, "heat_l%zu", l);
  write_script(o, c, base, CH_HEAT, l, 1000, 600);
  if (c->samples[l] >= 2) {
    snprintf(base, sizeof base, "raster_l%zu", l);
    write_script(o, c, base, CH_RASTER, l, 1000, 600);
  }
}

/* Decides what r has to draw (c->g.rec to free). */
static void charts_plan(Charts *c, const LogRun *r, const char *title) {
  memset(c, 0, sizeof *c);
  c->r = r;
  if (!title) title = json_get_string(r->header, "title");
  c->title = title ? title : "flipscope run";
  c->have_loss = r->n > 0;
  RunOpt ro;
  c->have_bode = run_opt_read(r, &ro) == 0;
  if (c->have_bode && ro.has_changes) {
    char start[160], end[160];
    dash_opt_describe(&ro.start, start, sizeof start);
    dash_opt_describe(&ro.changed, end, sizeof end);
    if (ro.switch_step > 0)
      snprintf(c->opt_line, sizeof c->opt_line, "optimizer: %s, then %s from step %.0f", start, end,
               ro.switch_step);
    else if (strcmp(start, end))
      snprintf(c->opt_line, sizeof c->opt_line, "optimizer: %s, at the end %s", start, end);
  }
  c->have_flips = r->n > 0 && curves_have_flips(r);
  c->have_images = r->nrec >= 2 && layer_charts_grid(r, &c->g) == 0;
  for (size_t l = 0; l < r->layers && c->have_images; l++)
    c->samples[l] = layer_charts_samples(r, &c->g, l);
}

/* The data files and scripts of every chart c has, with notes on the others. */
static void write_charts(ChartDir *o, Charts *c) {
  const LogRun *r = c->r;
  curves_write_data(o, r);
  layer_charts_write_data(o, r, &c->g);
  if (c->have_bode) bode_write_data(o, r, &c->b);
  if (c->have_loss) write_script(o, c, "loss", CH_LOSS, 0, 1000, 600);
  if (c->have_flips) write_script(o, c, "flips", CH_FLIPS, 0, 1000, 600);
  else chart_dir_note(o, "no flips: no flips chart");
  for (size_t l = 0; l < r->layers; l++) write_layer_scripts(o, c, l);
  if (!r->header) chart_dir_note(o, "no JSONL log: no inertia, raster or filter charts");
  else if (r->nrec < 2) chart_dir_note(o, "fewer than 2 telemetry records: no inertia or raster charts");
  if (c->have_bode) write_script(o, c, "bode", CH_BODE, 0, 1000, 800);
  trace_chart_write_data(o, r);
  if (r->trace.n) write_script(o, c, "trace", CH_TRACE, 0, 1200, trace_chart_height(r));
  if (r->trace.left_out) chart_dir_note(o, "the trace chart shows the first 1048576 trace records");
  ChartKind panels[CH_DASHBOARD];
  if (dashboard_panels(c, panels)) write_script(o, c, "dashboard", CH_DASHBOARD, 0, 0, 0);
}

int charts_write(const LogRun *r, const char *dir, const char *title, int (*stop)(void), char *err,
                 size_t errlen) {
  if (make_dirs(dir) != 0) {
    snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
    return -1;
  }
  ChartDir o = {.dir = dir, .err = err, .errlen = errlen};
  if (r->note[0]) chart_dir_note(&o, r->note);
  Charts c;
  charts_plan(&c, r, title);
  write_charts(&o, &c);
  int rc = -1;
  if (!o.failed) {
    if (o.notes[0]) fprintf(stderr, "flipscope: export: %s\n", o.notes);
    rc = chart_dir_render(&o, stop);
  }
  chart_dir_free(&o);
  free(c.g.rec);
  return rc;
}
