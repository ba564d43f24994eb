/* test_views.c — snapshot tests of the dashboard's views: each pane, the whole
 * screen, the overlays and the too-small screen, drawn from one fixed
 * DashSnapshot at 80x24 and at 132x40, compared byte for byte with
 * tests/golden/NAME.txt (the UTF-8 text, the ASCII text and the style map).
 * FLIPSCOPE_UPDATE_GOLDEN=1 rewrites the golden files instead (review them
 * by eye before committing). Every pane must also stay inside its rectangle. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/live/tui_filter.h"
#include "files.h"
#include "views/views.h"

#define GOLDEN_DIR "tests/golden/"

/* A deterministic stand-in for randomness. */
static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}
static double unit(uint32_t *s) { return (double)lcg(s) / (double)(1u << 24); }

static void fill_history(DashBucket *h, size_t *n, double shift) {
  const size_t buckets = 300, span = 5;
  for (size_t i = 0; i < buckets; i++) {
    DashBucket *b = &h[i];
    memset(b, 0, sizeof *b);
    b->first = i * span + 1;
    b->last = (i + 1) * span;
    b->steps = span;
    double t = (double)b->last;
    double loss = 2.2 * exp(-t / (250 + 100 * shift)) + 0.35 + 0.05 * sin(t / 17.0);
    double acc = 0.9 - 0.75 * exp(-t / (200 + 80 * shift)) + 0.02 * sin(t / 11.0);
    b->loss = loss * span;
    b->train_acc = acc * span;
    b->rate = 1e-3 * (1 - t / 3600) * span;
    b->test_acc = b->last % 120 == 0 ? acc - 0.04 : NAN;
    for (int l = 0; l < 3; l++) b->flips[l] = span * (4000.0 / (l + 1)) * exp(-t / 400) + span * (l + 1);
    b->reversals = 0.3 * (b->flips[0] + b->flips[1] + b->flips[2]);
    for (int l = 0; l < DASH_LAYERS; l++)
      for (int k = 0; k < DASH_BANDS; k++) {
        double spread = 1e-4 * (1 + t / 500) / (l + 1);
        static const double z[DASH_BANDS] = {-3.2, -1.5, -1.0, -0.5, 0, 0.5, 1.0, 1.5, 3.4};
        b->bands[l][k] = i < 4 ? NAN : (float)(spread * z[k] + 1e-5 * sin(t / 50.0));
      }
  }
  *n = buckets;
}

static DashSnapshot *fixed_snapshot(void) {
  DashSnapshot *s = calloc(1, sizeof *s);
  snprintf(s->data, sizeof s->data, "glyphs");
  snprintf(s->model, sizeof s->model, "mlp:64x32");
  s->batch = 100;
  s->threads = 2;
  optim_defaults(OPT_CEMA, &s->opt);
  s->schedule.kind = SCHED_LINEAR;
  s->n_layers = 3;
  s->step = 1500;
  s->total_steps = 3600;
  s->steps_per_epoch = 120;
  s->epoch = 12;
  s->epochs = 30;
  s->samples_per_s = 51234;
  s->rate = 5.83e-4;
  s->loss = 0.4312;
  s->train_acc = 0.87;
  s->test_acc = 0.8325;
  s->flip_ratio = 0.0041;
  s->reversal = 0.31;
  s->reversal_k = 16;
  s->state = RUN_RUNNING;
  fill_history(s->hist, &s->n_hist, 0);
  s->span = 5;
  s->marks[0] = (DashMark){800, "alpha 0.001778"};
  s->marks[1] = (DashMark){1200, "alpha 0.001"};
  s->n_marks = 2;
  static const size_t shape[3][2] = {{256, 64}, {64, 32}, {32, 10}};
  uint32_t seed = 7;
  for (size_t l = 0; l < 3; l++) {
    DashLayer *L = &s->layer[l];
    L->in = shape[l][0];
    L->out = shape[l][1];
    L->n = 256;
    s->weights += L->in * L->out;
    for (size_t j = 0; j < L->n; j++) {
      double v = (unit(&seed) - 0.5) * 4e-4 / (double)(l + 1);
      L->inertia[j] = (float)v;
      L->sign[j] = v <= 0 ? 1 : -1;
      uint32_t r = lcg(&seed) % 64;
      L->age[j] = r < 3 ? r : r == 63 ? UINT32_MAX : r * 10;
      L->index[j] = (uint32_t)(j * (L->in * L->out / L->n) + j % 7); /* ascending */
    }
    const DashBucket *last = &s->hist[s->n_hist - 1];
    memcpy(L->bands, last->bands[l], sizeof L->bands);
    L->hist_log = 1;
    L->hist_lo = -10;
    L->hist_hi = 2;
    for (int b = 0; b < DASH_BINS; b++) {
      double center = -10 + (b + 0.5) * 12.0 / DASH_BINS, d = center - (-4.0 - 0.3 * (double)l);
      L->hist[b] = (uint32_t)(4096 * exp(-d * d / 0.5) / 2.5 + (center < -4 ? 30 : 0) * (center > -9));
    }
    L->abs_median = (float)(1e-4 / (double)(l + 1));
    L->near_zero = 0.05 + 0.02 * (double)l;
    L->never_flipped = 0.4 + 0.1 * (double)l;
    L->flips_recent = 4000.0 / (double)(l + 1) * exp(-1500.0 / 400) + (double)(l + 1);
  }
  return s;
}

static DashGhost *fixed_ghost(void) {
  DashGhost *g = calloc(1, sizeof *g);
  snprintf(g->label, sizeof g->label, "sgd lr 0.1 wd 0.01");
  fill_history(g->hist, &g->n_hist, 1);
  return g;
}

static const DashPreset test_presets[] = {
    {"first", "the first experiment", "A paragraph that explains the first experiment in a few "
                                      "sentences, long enough to wrap over several lines."},
    {"second", "the second experiment", "Short text."},
};

static DashUi fixed_ui(const DashSnapshot *s, const DashGhost *g) {
  DashUi ui;
  memset(&ui, 0, sizeof ui);
  ui.focus = PANE_FILTER;
  ui.param = 0;
  ui.layer = 1;
  ui.opt = s->opt;
  ui.ghost[0] = g;
  ui.n_ghosts = g ? 1 : 0;
  ui.presets = test_presets;
  ui.n_presets = 2;
  dash_filter_compute(&s->opt, s->rate / s->opt.alpha, &ui.filter);
  return ui;
}

/* The three renderings of a canvas, as one text. */
static char *render_all(const Canvas *c) {
  char *u = canvas_to_text(c, 1), *a = canvas_to_text(c, 0), *m = canvas_style_map(c);
  size_t len = strlen(u) + strlen(a) + strlen(m) + 64;
  char *out = malloc(len);
  snprintf(out, len, "== utf-8 ==\n%s== ascii ==\n%s== styles ==\n%s", u, a, m);
  free(u), free(a), free(m);
  return out;
}

static void check_golden(const char *name, const Canvas *c) {
  char path[256];
  snprintf(path, sizeof path, GOLDEN_DIR "%s.txt", name);
  char *got = render_all(c);
  const char *update = getenv("FLIPSCOPE_UPDATE_GOLDEN");
  if (update && *update == '1') {
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    fputs(got, f);
    fclose(f);
  } else {
    char *want = file_read(path, NULL);
    cr_assert(want, "%s is missing: run FLIPSCOPE_UPDATE_GOLDEN=1 make test, then review it", path);
    if (strcmp(got, want) != 0) {
      char out[300];
      snprintf(out, sizeof out, "/tmp/flipscope-golden-%s.txt", name);
      FILE *f = fopen(out, "wb");
      if (f) fputs(got, f), fclose(f);
      cr_assert_fail("%s differs from the rendering (written to %s: diff them)", path, out);
    }
    free(want);
  }
  free(got);
}

/* Compares canvas c with the golden file of view or screen `name` drawn at w x h. */
static void check_golden_at(const char *name, int w, int h, const Canvas *c) {
  char golden[64];
  snprintf(golden, sizeof golden, "%s_%dx%d", name, w, h);
  check_golden(golden, c);
}

/* The fixed snapshot, its ghost and the UI state drawn over them. */
typedef struct {
  DashSnapshot *s;
  DashGhost *g;
  DashUi ui;
} Scene;

static Scene scene_make(void) {
  Scene sc = {.s = fixed_snapshot(), .g = fixed_ghost()};
  sc.ui = fixed_ui(sc.s, sc.g);
  return sc;
}

static void scene_free(Scene *sc) {
  free(sc->s);
  free(sc->g);
}

typedef void (*ViewFn)(Canvas *, Rect, const DashSnapshot *, const DashUi *);

/* Draws one pane in its layout rectangle on a margin-padded canvas: checks
 * nothing lands outside, then compares the pane's cells with the golden. */
static void check_view_as(const char *name, Pane pane, int header, int footer, ViewFn fn, int w,
                          int h, void (*tweak)(DashSnapshot *, DashUi *)) {
  Scene sc = scene_make();
  if (tweak) tweak(sc.s, &sc.ui);
  Layout L;
  cr_assert_eq(layout_compute(w, h, &L), 0);
  Rect r = header ? L.header : footer ? L.footer : L.pane[pane];
  Canvas big, c;
  canvas_init(&big, r.w + 4, r.h + 4);
  fn(&big, (Rect){2, 2, r.w, r.h}, sc.s, &sc.ui);
  for (int y = 0; y < big.h; y++)
    for (int x = 0; x < big.w; x++) {
      if (x >= 2 && y >= 2 && x < 2 + r.w && y < 2 + r.h) continue;
      const Cell *cell = canvas_at(&big, x, y);
      cr_assert(cell->cp == ' ' && cell->style == ST_TEXT, "%s drew outside its rectangle at (%d, %d)",
                name, x - 2, y - 2);
    }
  canvas_init(&c, r.w, r.h);
  fn(&c, (Rect){0, 0, r.w, r.h}, sc.s, &sc.ui);
  check_golden_at(name, w, h, &c);
  canvas_free(&c);
  canvas_free(&big);
  scene_free(&sc);
}

static void check_view(const char *name, Pane pane, int header, int footer, ViewFn fn, int w,
                       int h) {
  check_view_as(name, pane, header, footer, fn, w, h, NULL);
}

#define VIEW_TESTS(name, pane, header, footer, fn)                                                 \
  Test(views, name##_80x24) { check_view(#name, pane, header, footer, fn, 80, 24); }               \
  Test(views, name##_132x40) { check_view(#name, pane, header, footer, fn, 132, 40); }

VIEW_TESTS(header, 0, 1, 0, view_header)
VIEW_TESTS(curves, PANE_CURVES, 0, 0, view_curves)
VIEW_TESTS(flips, PANE_FLIPS, 0, 0, view_flips)
VIEW_TESTS(inertia, PANE_INERTIA, 0, 0, view_inertia)
VIEW_TESTS(weights, PANE_WEIGHTS, 0, 0, view_weights)
VIEW_TESTS(filter, PANE_FILTER, 0, 0, view_filter)
VIEW_TESTS(footer, 0, 0, 1, view_footer)

/* The curves smoothed with weight 0.9: the raw curves faint underneath. */
static void tweak_smooth(DashSnapshot *s, DashUi *ui) {
  (void)s;
  ui->smooth = 2;
}
Test(views, curves_smooth_80x24) {
  check_view_as("curves_smooth", PANE_CURVES, 0, 0, view_curves, 80, 24, tweak_smooth);
}
Test(views, curves_smooth_132x40) {
  check_view_as("curves_smooth", PANE_CURVES, 0, 0, view_curves, 132, 40, tweak_smooth);
}

/* A run in bf16 says so after the optimizer's settings (fp32 goes unsaid). */
static void tweak_bf16(DashSnapshot *s, DashUi *ui) {
  (void)ui;
  s->bf16 = 1;
}
Test(views, header_bf16_80x24) {
  check_view_as("header_bf16", 0, 1, 0, view_header, 80, 24, tweak_bf16);
}

static void check_screen(const char *name, int w, int h, Overlay ov, void (*tweak)(DashSnapshot *, DashUi *)) {
  Scene sc = scene_make();
  sc.ui.overlay = ov;
  if (tweak) tweak(sc.s, &sc.ui);
  Canvas c;
  canvas_init(&c, w, h);
  dash_render(&c, sc.s, &sc.ui);
  check_golden_at(name, w, h, &c);
  canvas_free(&c);
  scene_free(&sc);
}

static void tweak_opts(DashSnapshot *s, DashUi *ui) {
  (void)s;
  ui->menu_sel = OPT_SGD;
  ui->opt_exact[OPT_CEMA] = ui->opt_exact[OPT_SGD] = 1;
}
static void tweak_input(DashSnapshot *s, DashUi *ui) {
  (void)s;
  snprintf(ui->input_label, sizeof ui->input_label, "alpha");
  snprintf(ui->input, sizeof ui->input, "2e-3");
}
static void tweak_confirm(DashSnapshot *s, DashUi *ui) {
  (void)s;
  snprintf(ui->confirm, sizeof ui->confirm, "Restart training from step 0 with the current settings?");
}
static void tweak_info(DashSnapshot *s, DashUi *ui) {
  (void)s;
  ui->info_title = test_presets[0].title;
  ui->info_text = test_presets[0].text;
}
static void tweak_diverged(DashSnapshot *s, DashUi *ui) {
  s->state = RUN_DIVERGED;
  snprintf(s->status, sizeof s->status, "diverged at step 1500: the loss is nan; lower the rate");
  ui->focus = PANE_CURVES;
  ui->n_ghosts = 0;
}
static void tweak_sgd(DashSnapshot *s, DashUi *ui) {
  optim_defaults(OPT_SGD, &s->opt);
  s->opt.lr = 0.1, s->opt.wd = 0.01, s->opt.momentum = 0.9;
  ui->opt = s->opt;
  ui->opt.wd = 0.05; /* sent, not yet applied */
  ui->pending = 1;
  ui->param = 1;
  dash_filter_compute(&ui->opt, 1, &ui->filter);
  snprintf(ui->message, sizeof ui->message, "wd 0.01 -> 0.05 from step 1501");
}

/* A circles-like decision: class 1 inside radius 0.6, surer away from it,
 * and points on two rings (a few on the wrong side). */
static void tweak_boundary(DashSnapshot *s, DashUi *ui) {
  DashBoundary *b = &s->boundary;
  *b = (DashBoundary){.valid = 1, .x0 = -1.2f, .x1 = 1.2f, .y0 = -1.2f, .y1 = 1.2f, .step = 1500};
  for (int row = 0; row < DASH_GRID_H; row++)
    for (int col = 0; col < DASH_GRID_W; col++) {
      double x = -1.2 + 2.4 * (col + 0.5) / DASH_GRID_W, y = 1.2 - 2.4 * (row + 0.5) / DASH_GRID_H;
      double d = sqrt(x * x + y * y) - 0.6;
      b->cls[row][col] = d < 0;
      b->conf[row][col] = (uint8_t)fmin(255, 600 * fabs(d));
    }
  for (int j = 0; j < 40; j++) {
    double a = 2 * M_PI * j / 40, radius = j % 2 ? 0.3 : 0.95;
    b->px[j] = (float)(radius * cos(a)), b->py[j] = (float)(radius * sin(a));
    b->pc[j] = (uint8_t)(j % 2 ? j % 10 != 1 : j % 10 == 0);
  }
  b->n_points = 40;
  ui->left = LEFT_BOUNDARY;
}

/* The scope of two weights of L2 over steps 1201-1500: a CEMA trace until
 * step 1400 (the weight follows -sign i, flipping at each zero), then Bop
 * with tau 2e-5 (it flips only past +-tau); pane 4 focused, its cursor on
 * the first pinned weight. */
static void tweak_scope(DashSnapshot *s, DashUi *ui) {
  DashScope *sc = &s->scope;
  const DashLayer *L = &s->layer[1];
  sc->n_pins = 2;
  sc->pin[0] = (TraceRef){1, L->index[30]};
  sc->pin[1] = (TraceRef){1, L->index[77]};
  int8_t b[2] = {1, -1};
  for (size_t i = 0; i < 300; i++) {
    DashScopeStep *e = &sc->at[sc->n++];
    e->step = 1201 + i;
    e->kind = e->step < 1400 ? OPT_CEMA : OPT_BOP;
    e->threshold = e->kind == OPT_BOP ? 2e-5f : 0;
    for (int k = 0; k < 2; k++) {
      double t = (double)e->step;
      double y = 3e-5 * sin(t / (9.0 + 4 * k)) + 1e-5 * sin(t / 2.3);
      if (b[k] * y > e->threshold) b[k] = y > 0 ? -1 : 1;
      e->filter[k] = (float)y;
      e->sign[k] = b[k];
    }
    for (int k = 2; k < TRACE_MAX; k++) e->filter[k] = NAN;
  }
  TraceSnapshot *t = &sc->last;
  t->step = 1500, t->kind = OPT_BOP, t->states = 1, t->threshold = 2e-5f, t->n = 2;
  for (int k = 0; k < 2; k++) {
    t->ref[k] = sc->pin[k];
    t->state[k][0] = t->filter[k] = sc->at[299].filter[k];
    t->sign[k] = sc->at[299].sign[k];
    t->grad[k] = (float)(0.8 - 0.3 * k);
  }
  ui->left = LEFT_SCOPE;
  ui->focus = PANE_WEIGHTS;
  ui->cursor = 30;
}

/* L2 as a convolution of 32 kernels 3x3x16 whose sample is 28 whole tiles
 * (out channel n = t, in channel c = 5 t mod 16; the telemetry picks its own),
 * one weight of tile 1 pinned: the raster draws 3x3 blocks with a gap. */
static void tweak_tiles(DashSnapshot *s, DashUi *ui) {
  DashLayer *L = &s->layer[1];
  L->in = 3 * 3 * 16, L->out = 32, L->kernel = 3, L->in_ch = 16, L->n = 28 * 9;
  for (size_t j = 0; j < L->n; j++)
    L->index[j] = (uint32_t)(j / 9 * L->in + j % 9 * 16 + j / 9 * 5 % 16);
  s->scope.n_pins = 1;
  s->scope.pin[0] = (TraceRef){1, L->index[9 + 4]};
  ui->focus = PANE_CURVES;
}
/* The same with pane 4 focused, the cursor on tile 2's tap (1, 2). */
static void tweak_tiles_cursor(DashSnapshot *s, DashUi *ui) {
  tweak_tiles(s, ui);
  ui->focus = PANE_WEIGHTS;
  ui->cursor = 2 * 9 + 5;
}

Test(views, tiles_80x24) { check_screen("tiles", 80, 24, OVL_NONE, tweak_tiles); }
Test(views, tiles_132x40) { check_screen("tiles", 132, 40, OVL_NONE, tweak_tiles); }
Test(views, tiles_cursor_80x24) {
  check_screen("tiles_cursor", 80, 24, OVL_NONE, tweak_tiles_cursor);
}

/* The same two pinned weights overlaid ("all", after the last pin). */
static void tweak_scope_all(DashSnapshot *s, DashUi *ui) {
  tweak_scope(s, ui);
  ui->scope_sel = s->scope.n_pins;
}
Test(views, scope_all_80x24) { check_screen("scope_all", 80, 24, OVL_NONE, tweak_scope_all); }

/* Overlaid, each pinned weight's trace is drawn in its own colour; one at a
 * time, only the chosen one's. */
Test(views, scope_all_draws_every_pinned_weight) {
  static DashSnapshot s;
  static DashUi ui;
  for (int all = 0; all <= 1; all++) {
    memset(&s, 0, sizeof s);
    memset(&ui, 0, sizeof ui);
    s.n_layers = 2;
    for (int j = 0; j < 256; j++) s.layer[1].index[j] = (uint32_t)(3 * j);
    s.layer[1].in = 64, s.layer[1].out = 64;
    tweak_scope(&s, &ui);
    ui.scope_sel = all ? s.scope.n_pins : 0;
    Canvas c;
    canvas_init(&c, 60, 20);
    view_scope(&c, (Rect){0, 0, 60, 20}, &s, &ui);
    int seen[2] = {0, 0};
    for (int y = 2; y < 16; y++)
      for (int x = 10; x < 59; x++)
        for (int k = 0; k < 2; k++) seen[k] += canvas_at(&c, x, y)->style == dash_layer_style((size_t)k);
    cr_assert_gt(seen[0], 0, "pin 1's trace");
    if (all) cr_assert_gt(seen[1], 0, "pin 2's trace overlaid");
    else cr_assert_eq(seen[1], 0, "pin 2 is not drawn when pin 1 is chosen");
    canvas_free(&c);
  }
}

Test(views, scope_80x24) { check_screen("scope", 80, 24, OVL_NONE, tweak_scope); }
Test(views, scope_132x40) { check_screen("scope", 132, 40, OVL_NONE, tweak_scope); }
Test(views, boundary_80x24) { check_screen("boundary", 80, 24, OVL_NONE, tweak_boundary); }
Test(views, boundary_132x40) { check_screen("boundary", 132, 40, OVL_NONE, tweak_boundary); }
Test(views, dashboard_80x24) { check_screen("dashboard", 80, 24, OVL_NONE, NULL); }
Test(views, dashboard_132x40) { check_screen("dashboard", 132, 40, OVL_NONE, NULL); }
Test(views, dashboard_sgd_pending_100x30) { check_screen("dashboard_sgd", 100, 30, OVL_NONE, tweak_sgd); }
Test(views, dashboard_diverged_80x24) { check_screen("diverged", 80, 24, OVL_NONE, tweak_diverged); }
Test(views, help_80x24) { check_screen("help", 80, 24, OVL_HELP, NULL); }
/* Scrolled past its end: the help stops at its last row. */
static void tweak_help_end(DashSnapshot *s, DashUi *ui) {
  (void)s;
  ui->help_top = 99;
}
Test(views, help_scrolled_80x24) { check_screen("help_end", 80, 24, OVL_HELP, tweak_help_end); }
Test(views, presets_80x24) { check_screen("presets", 80, 24, OVL_PRESETS, NULL); }
Test(views, optimizers_80x24) { check_screen("optimizers", 80, 24, OVL_OPTS, tweak_opts); }
Test(views, input_80x24) { check_screen("input", 80, 24, OVL_INPUT, tweak_input); }
Test(views, confirm_80x24) { check_screen("confirm", 80, 24, OVL_CONFIRM, tweak_confirm); }
/* The run menu on its model row, after a refused typed model. */
static void tweak_run(DashSnapshot *s, DashUi *ui) {
  (void)s;
  static const char *const values[RUN_ROWS] = {"xor", "mlp:128x64 real-first", "1"};
  static const char *const where[RUN_ROWS] = {"4 of 6", "1 of 3", ""};
  for (int r = 0; r < RUN_ROWS; r++) {
    snprintf(ui->run_value[r], sizeof ui->run_value[r], "%s", values[r]);
    snprintf(ui->run_where[r], sizeof ui->run_where[r], "%s", where[r]);
  }
  ui->menu_sel = RUN_ROW_MODEL;
  snprintf(ui->run_error, sizeof ui->run_error,
           "--model: bad layer width in 'mlp:12y' (widths 1..65536 separated by 'x')");
}
Test(views, run_menu_80x24) { check_screen("run_menu", 80, 24, OVL_RUN, tweak_run); }
static void tweak_run_input(DashSnapshot *s, DashUi *ui) {
  tweak_run(s, ui);
  ui->run_error[0] = 0;
  snprintf(ui->input_label, sizeof ui->input_label, "model");
  snprintf(ui->input, sizeof ui->input, "cnn:c16-p-f64");
}
Test(views, run_input_80x24) { check_screen("run_input", 80, 24, OVL_RUN_INPUT, tweak_run_input); }
/* A click on a row of the run menu names that row; outside the rows none. */
Test(views, run_menu_rows_take_clicks) {
  DashUi ui;
  memset(&ui, 0, sizeof ui);
  ui.overlay = OVL_RUN;
  int row_y = -1, x = 40;
  for (int y = 0; y < 24 && row_y < 0; y++)
    if (view_menu_entry_at(80, 24, &ui, x, y) == 0) row_y = y;
  cr_assert_geq(row_y, 0, "no row of the run menu takes a click at x %d", x);
  for (int r = 0; r < RUN_ROWS; r++) cr_assert_eq(view_menu_entry_at(80, 24, &ui, x, row_y + r), r);
  cr_assert_eq(view_menu_entry_at(80, 24, &ui, x, row_y + RUN_ROWS), -1);
  cr_assert_eq(view_menu_entry_at(80, 24, &ui, 0, row_y), -1);
}
Test(views, info_132x40) { check_screen("info", 132, 40, OVL_INFO, tweak_info); }
Test(views, too_small_40x12) { check_screen("too_small", 40, 12, OVL_NONE, NULL); }
Test(views, too_small_79x24) { check_screen("too_small", 79, 24, OVL_NONE, NULL); }

/* Every size from the minimum up draws without touching outside the canvas
 * and fills the top-left corner (a frame always starts there). */
Test(views, every_size_renders) {
  DashSnapshot *s = fixed_snapshot();
  DashUi ui = fixed_ui(s, NULL);
  for (int w = 80; w <= 240; w += 7)
    for (int h = 24; h <= 80; h += 5) {
      Canvas c;
      canvas_init(&c, w, h);
      dash_render(&c, s, &ui);
      cr_assert_neq(canvas_at(&c, 0, 2)->cp, ' ', "no curves frame at %dx%d", w, h);
      canvas_free(&c);
    }
  free(s);
}

/* A pinned run shows as a ghost with `u unpin` in the footer; once `u` has
 * removed it (ui.n_ghosts = 0) neither is drawn. */
Test(views, unpin_removes_the_ghost) {
  Scene sc = scene_make();
  sc.ui.focus = PANE_CURVES;
  for (int pinned = 1; pinned >= 0; pinned--) {
    sc.ui.n_ghosts = (size_t)pinned;
    Canvas c;
    canvas_init(&c, 132, 40);
    dash_render(&c, sc.s, &sc.ui);
    char *text = canvas_to_text(&c, 0);
    int ghost_cells = 0;
    for (int y = 0; y < c.h; y++)
      for (int x = 0; x < c.w; x++) ghost_cells += canvas_at(&c, x, y)->style == ST_GHOST;
    cr_assert_eq(!!strstr(text, "ghost sgd lr 0.1"), pinned, "%s", text);
    cr_assert_eq(!!strstr(text, "u unpin"), pinned, "%s", text);
    cr_assert(strstr(text, "p pin"), "%s", text);
    cr_assert_eq(ghost_cells > 0, pinned, "%d ghost cells, pinned %d", ghost_cells, pinned);
    free(text);
    canvas_free(&c);
  }
  scene_free(&sc);
}

/* The braille cells of the curves pane at 132x40 drawn in style st. */
static int curve_cells(const Scene *sc, Style st, char **title) {
  Layout L;
  cr_assert_eq(layout_compute(132, 40, &L), 0);
  Rect r = L.pane[PANE_CURVES];
  Canvas c;
  canvas_init(&c, r.w, r.h);
  view_curves(&c, (Rect){0, 0, r.w, r.h}, sc->s, &sc->ui);
  int n = 0;
  for (int y = 0; y < c.h; y++)
    for (int x = 0; x < c.w; x++) {
      const Cell *cell = canvas_at(&c, x, y);
      n += cell->style == st && cell->cp >= 0x2800 && cell->cp <= 0x28ff;
    }
  *title = canvas_to_text(&c, 0);
  (*title)[strcspn(*title, "\n")] = 0;
  canvas_free(&c);
  return n;
}

/* Four pinned runs, each its own history, label and colour. */
static DashGhost pinned[DASH_GHOSTS];
static void tweak_ghosts(DashSnapshot *s, DashUi *ui) {
  (void)s;
  static const char *labels[DASH_GHOSTS] = {"sgd lr 0.1 wd 0.01", "cema alpha 0.001 gamma 1",
                                            "adam lr 0.001 wd 0", "bop gamma 0.0001 tau 1e-08"};
  for (int k = 0; k < DASH_GHOSTS; k++) {
    snprintf(pinned[k].label, sizeof pinned[k].label, "%s", labels[k]);
    pinned[k].colour = (k + 1) % DASH_GHOSTS; /* colours stay with their runs, whatever the order */
    fill_history(pinned[k].hist, &pinned[k].n_hist, 0.6 * (k + 1));
    for (size_t i = 0; i < pinned[k].n_hist; i++) pinned[k].hist[i].loss *= 1 + 0.3 * (k + 1);
    ui->ghost[k] = &pinned[k];
  }
  ui->n_ghosts = DASH_GHOSTS;
}
Test(views, curves_ghosts_80x24) {
  check_view_as("curves_ghosts", PANE_CURVES, 0, 0, view_curves, 80, 24, tweak_ghosts);
}
Test(views, curves_ghosts_132x40) {
  check_view_as("curves_ghosts", PANE_CURVES, 0, 0, view_curves, 132, 40, tweak_ghosts);
}

/* Each of four ghosts is drawn in its own colour, and at 132x40 the legend
 * names every one, in the colour of its curve. */
Test(views, four_ghosts_each_in_its_colour) {
  Scene sc = scene_make();
  tweak_ghosts(sc.s, &sc.ui);
  char *text;
  for (int k = 0; k < DASH_GHOSTS; k++) {
    int cells = curve_cells(&sc, dash_ghost_style(pinned[k].colour), &text);
    cr_assert_gt(cells, 0, "ghost %d (%s) is not drawn", k, pinned[k].label);
    free(text);
  }
  Layout L;
  cr_assert_eq(layout_compute(132, 40, &L), 0);
  Rect r = L.pane[PANE_CURVES];
  Canvas c;
  canvas_init(&c, r.w, r.h);
  view_curves(&c, (Rect){0, 0, r.w, r.h}, sc.s, &sc.ui);
  text = canvas_to_text(&c, 0);
  for (int k = 0; k < DASH_GHOSTS; k++) {
    const char *at = strstr(text, pinned[k].label);
    cr_assert(at, "the legend lacks '%s':\n%s", pinned[k].label, text);
    int row = 0, col = 0;
    for (const char *p = text; p < at; p++) *p == '\n' ? (row++, col = 0) : col++;
    cr_assert_eq(canvas_at(&c, col, row)->style, dash_ghost_style(pinned[k].colour), "%s",
                 pinned[k].label);
  }
  for (int a = 0; a < DASH_GHOSTS; a++)
    for (int b = a + 1; b < DASH_GHOSTS; b++)
      cr_assert_neq(dash_ghost_style(a), dash_ghost_style(b), "colours %d and %d share a style", a,
                    b);
  free(text);
  canvas_free(&c);
  scene_free(&sc);
}

/* The loss on a log scale. */
static void tweak_log(DashSnapshot *s, DashUi *ui) {
  (void)s;
  ui->log_loss = 1;
}
Test(views, curves_log_80x24) {
  check_view_as("curves_log", PANE_CURVES, 0, 0, view_curves, 80, 24, tweak_log);
}
Test(views, curves_log_132x40) {
  check_view_as("curves_log", PANE_CURVES, 0, 0, view_curves, 132, 40, tweak_log);
}

/* `S` cycles 0 / 0.6 / 0.9 / 0.99: the title says the weight, the raw
 * curves stay drawn dim only while it smooths. */
Test(views, smoothing_keeps_the_raw_curves_dim) {
  Scene sc = scene_make();
  for (int k = 0; k < DASH_SMOOTH_STEPS; k++) {
    sc.ui.smooth = k;
    char *title, want[32];
    int dim = curve_cells(&sc, ST_DIM, &title);
    snprintf(want, sizeof want, "curves smooth %g]", dash_smooth_weight[k]);
    cr_assert_eq(!!strstr(title, want), k > 0, "weight %g: %s", dash_smooth_weight[k], title);
    cr_assert_eq(dim > 0, k > 0, "weight %g: %d dim braille cells", dash_smooth_weight[k], dim);
    free(title);
  }
  scene_free(&sc);
}

/* A loss falling over three decades on a log scale: the axis labels its
 * ends and the decades between as 5, 1, 0.1, 0.01, 2e-3 (never "10e-" or
 * a cut exponent), and the title says "log". */
Test(views, log_loss_labels_read) {
  Scene sc = scene_make();
  for (size_t i = 0; i < sc.s->n_hist; i++) {
    DashBucket *b = &sc.s->hist[i];
    b->loss = b->steps * (3 * exp(-(double)b->last / 150) + 0.004);
  }
  sc.ui.log_loss = 1;
  char *text;
  curve_cells(&sc, ST_LOSS, &text);
  cr_assert(strstr(text, "curves log]"), "%s", text);
  free(text);
  Layout L;
  cr_assert_eq(layout_compute(132, 40, &L), 0);
  Rect r = L.pane[PANE_CURVES];
  Canvas c;
  canvas_init(&c, r.w, r.h);
  view_curves(&c, (Rect){0, 0, r.w, r.h}, sc.s, &sc.ui);
  char labels[DASH_MIN_H * 4][8];
  int n = 0;
  for (int y = 2; y < c.h / 2 && n < DASH_MIN_H * 4; y++) { /* the loss plot's rows */
    int len = 0;
    for (int x = 1; x < 6; x++) labels[n][len++] = canvas_at(&c, x, y)->ascii;
    while (len && labels[n][len - 1] == ' ') len--;
    labels[n][len] = 0;
    if (len) n++;
  }
  static const char *want[] = {"5", "1", "0.1", "0.01", "2e-3"};
  cr_assert_eq(n, 5, "%d labels on the loss axis", n);
  for (int k = 0; k < n; k++) {
    cr_assert_str_eq(labels[k], want[k], "label %d", k);
    cr_assert(!strstr(labels[k], "10e") && labels[k][strlen(labels[k]) - 1] != 'e', "%s",
              labels[k]);
  }
  canvas_free(&c);
  scene_free(&sc);
}

/* dash_smooth is TensorBoard's: the recurrence debiased by 1 - w^k. */
Test(numbers, smoothing_as_tensorboard) {
  double v[3] = {2.0, -1.0, 5.0}, w = 0.6;
  dash_smooth(v, 3, w);
  cr_assert_float_eq(v[0], 2.0, 1e-12, "the first value stays");
  cr_assert_float_eq(v[1], (w * (1 - w) * 2.0 + (1 - w) * -1.0) / (1 - w * w), 1e-12);
  double s3 = w * w * (1 - w) * 2.0 + w * (1 - w) * -1.0 + (1 - w) * 5.0;
  cr_assert_float_eq(v[2], s3 / (1 - w * w * w), 1e-12);
  double flat[500];
  for (int k = 0; k < 500; k++) flat[k] = 0.75;
  dash_smooth(flat, 500, 0.99);
  for (int k = 0; k < 500; k++) cr_assert_float_eq(flat[k], 0.75, 1e-12, "point %d", k);
  double raw[2] = {1, 3};
  dash_smooth(raw, 2, 0);
  cr_assert(raw[0] == 1 && raw[1] == 3, "w = 0 changes nothing");
}

/* An empty snapshot (before the first step) must draw without numbers. */
Test(views, empty_snapshot) {
  DashSnapshot *s = calloc(1, sizeof *s);
  optim_defaults(OPT_ADAM, &s->opt);
  s->test_acc = NAN;
  s->reversal = NAN;
  DashUi ui;
  memset(&ui, 0, sizeof ui);
  ui.opt = s->opt;
  dash_filter_compute(&s->opt, 1, &ui.filter);
  Canvas c;
  canvas_init(&c, 80, 24);
  dash_render(&c, s, &ui);
  char *text = canvas_to_text(&c, 0);
  cr_assert(strstr(text, "no linear filter"), "%s", text);
  cr_assert(!strstr(text, "nan"), "%s", text);
  free(text);
  canvas_free(&c);
  free(s);
}

/* The target's verdict after 10 steps of the running optimizer. */
static int exact_target(const OptConfig *from, OptKind kind, OptConfig *to) {
  OptSwitch verdict;
  optim_switch_target(from, kind, 10, to, &verdict);
  return verdict.exact;
}

Test(params, switch_targets) {
  OptConfig sgd, to;
  optim_defaults(OPT_SGD, &sgd);
  sgd.lr = 0.1, sgd.wd = 0.01;
  cr_assert_eq(exact_target(&sgd, OPT_CEMA, &to), 1);
  cr_assert_float_eq(to.alpha, 1e-3, 1e-15);
  cr_assert_float_eq(to.gamma, 1, 1e-15);
  OptConfig cema;
  optim_defaults(OPT_CEMA, &cema);
  cr_assert_eq(exact_target(&cema, OPT_SGD, &to), 1, "cema -> its sgd equivalent");
  cr_assert_float_eq(to.lr * to.wd, cema.alpha, 1e-15);
  cr_assert_float_eq(1 - to.momentum, cema.gamma, 1e-12);
  cr_assert_eq(exact_target(&cema, OPT_ADAM, &to), 0);
  cema.alpha = 1;
  cr_assert_eq(exact_target(&cema, OPT_BOP, &to), 1);
  cr_assert_eq(to.tau, 0);
}

Test(numbers, percent) {
  char buf[32];
  struct {
    double share;
    const char *want;
  } cases[] = {{0, "0%"}, {1.5e-159, "<0.01%"}, {-1e-9, ">-0.01%"}, {0.0041, "0.41%"},
               {0.00012, "0.012%"}, {0.553, "55%"}, {0.9996, "100%"}, {1, "100%"}, {NAN, "-"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    fmt_percent(buf, sizeof buf, cases[i].share);
    cr_assert_str_eq(buf, cases[i].want, "share %g", cases[i].share);
  }
}

Test(numbers, pace) {
  char buf[32];
  fmt_pace(buf, sizeof buf, 0);
  cr_assert_str_eq(buf, "max");
  fmt_pace(buf, sizeof buf, 2);
  cr_assert_str_eq(buf, "2/s");
  fmt_pace(buf, sizeof buf, 0.25);
  cr_assert_str_eq(buf, "0.25/s");
}

/* The inertia pane of a fixed snapshot whose selected layer's fan spans
 * +-fan (the 7 and 93 percentile bands at 0.8 fan: the pane adds a quarter). */
static char *inertia_with_fan(double fan) {
  Scene sc = scene_make();
  for (size_t i = 0; i < sc.s->n_hist; i++) {
    float *b = sc.s->hist[i].bands[sc.ui.layer];
    for (int k = 0; k < DASH_BANDS; k++) b[k] = (float)(fan / 1.25 * (k - 4) / 3.0);
  }
  Layout L;
  cr_assert_eq(layout_compute(80, 24, &L), 0);
  Rect r = L.pane[PANE_INERTIA];
  Canvas c;
  canvas_init(&c, r.w, r.h);
  view_inertia(&c, (Rect){0, 0, r.w, r.h}, sc.s, &sc.ui);
  char *text = canvas_to_text(&c, 0);
  canvas_free(&c);
  scene_free(&sc);
  return text;
}

/* The fan has a time axis under it: 0 at its left, the curves pane's right
 * edge (the same steps) at its right, at both sizes. */
Test(views, inertia_fan_has_a_time_axis) {
  Scene sc = scene_make();
  char right[32];
  fmt_count(right, sizeof right, dash_time_axis((double)sc.s->step));
  for (int big = 0; big <= 1; big++) {
    Layout L;
    cr_assert_eq(layout_compute(big ? 132 : 80, big ? 40 : 24, &L), 0);
    Rect r = L.pane[PANE_INERTIA];
    Canvas c;
    canvas_init(&c, r.w, r.h);
    view_inertia(&c, (Rect){0, 0, r.w, r.h}, sc.s, &sc.ui);
    char row[256] = {0};
    for (int x = 0; x < r.w && x < 255; x++) row[x] = canvas_at(&c, x, r.h - 2)->ascii;
    char want[64];
    snprintf(want, sizeof want, "%s|", right);
    cr_assert_eq(row[8], '0', "no 0 at the fan's left: '%s'", row);
    const char *at = strstr(row, want);
    cr_assert(at && at + strlen(want) == row + r.w, "no %s at the right: '%s'", right, row);
    canvas_free(&c);
  }
  scene_free(&sc);
}

/* The weights pane's legend row (its last interior row) at w x h, as ASCII;
 * *weak_style the style of its "weak:" text (ST_COUNT: none). */
static void weights_legend(const Scene *sc, int w, int h, char *row, size_t len, int *weak_style) {
  Layout L;
  cr_assert_eq(layout_compute(w, h, &L), 0);
  Rect r = L.pane[PANE_WEIGHTS];
  Canvas c;
  canvas_init(&c, r.w, r.h);
  view_weights(&c, (Rect){0, 0, r.w, r.h}, sc->s, &sc->ui);
  size_t n = 0;
  for (int x = 1; x < r.w - 1 && n + 1 < len; x++) row[n++] = canvas_at(&c, x, r.h - 2)->ascii;
  while (n && row[n - 1] == ' ') n--;
  row[n] = 0;
  const char *weak = strstr(row, "weak:");
  *weak_style = weak ? canvas_at(&c, 1 + (int)(weak - row), r.h - 2)->style : ST_COUNT;
  canvas_free(&c);
}

/* At 80x24 the raster shows 156 of the 256 samples and says so, and the
 * legend is never cut inside a part: it is the whole legend, or the whole
 * legend less its last parts. */
Test(views, weights_legend_fits_and_says_what_is_shown) {
  Scene sc = scene_make();
  const DashLayer *L = &sc.s->layer[sc.ui.layer];
  size_t pos = 0, flipped = 0;
  for (size_t j = 0; j < L->n; j++) pos += L->sign[j] > 0, flipped += L->age[j] < 2;
  char full[128], row[256];
  int weak_style;
  snprintf(full, sizeof full, "156 of 256 +1:%.0f%% weak:%.0f%% flip:%zu",
           100.0 * (double)pos / (double)L->n, 100 * L->near_zero, flipped);
  weights_legend(&sc, 80, 24, row, sizeof row, &weak_style);
  size_t n = strlen(row);
  cr_assert(!strncmp(row, full, n) && (full[n] == 0 || full[n] == ' '), "'%s' is cut from '%s'",
            row, full);
  cr_assert(strstr(row, "156 of 256"), "'%s'", row);
  scene_free(&sc);
}

/* The "weak:" share is not drawn in a style that is dark blue on black in 8
 * colours (app/live/tui_term.c maps these to COLOR_BLUE or dimmed blue). */
Test(views, weights_weak_legend_is_readable_in_8_colours) {
  Scene sc = scene_make();
  static const int dark_blue[] = {ST_BORDER, ST_POS0, ST_POS1, ST_POS2, ST_FAN0, ST_FAN1};
  for (int big = 0; big <= 1; big++) {
    char row[256];
    int st;
    weights_legend(&sc, big ? 132 : 80, big ? 40 : 24, row, sizeof row, &st);
    cr_assert_neq(st, ST_COUNT, "no weak: in '%s'", row);
    for (size_t k = 0; k < sizeof dark_blue / sizeof *dark_blue; k++)
      cr_assert_neq(st, dark_blue[k], "weak: drawn in style %d, dark blue in 8 colours", st);
  }
  scene_free(&sc);
}

/* 9.6e-5 rounds to 1e-4 (it showed as "10e-5" and "-10e-"), and a two-digit
 * exponent keeps its last digit. */
Test(numbers, inertia_fan_labels) {
  char *t = inertia_with_fan(9.6e-5);
  cr_assert(strstr(t, "|1e-4 ") && strstr(t, "|-1e-4 "), "the fan's labels are not +-1e-4:\n%s", t);
  cr_assert(!strstr(t, "10e-"), "a label reads 10e-:\n%s", t);
  free(t);
  t = inertia_with_fan(9.6e-11);
  cr_assert(strstr(t, "|1e-10 ") && strstr(t, "|-1e-10 "), "the fan's labels are not +-1e-10:\n%s", t);
  free(t);
}

/* A convolution is named as its spec writes it, with its kernels' shape;
 * a dense layer by its weight matrix. */
Test(views, layers_are_named_by_their_kind) {
  static DashSnapshot s;
  s.n_layers = 2;
  s.layer[0] = (DashLayer){.in = 288, .out = 64, .kernel = 3, .in_ch = 32};
  s.layer[1] = (DashLayer){.in = 3136, .out = 256};
  char name[64];
  dash_layer_name(&s, 0, name, sizeof name);
  cr_assert_str_eq(name, "L1 c64 3x3x32");
  dash_layer_name(&s, 1, name, sizeof name);
  cr_assert_str_eq(name, "L2 3136x256");
}
