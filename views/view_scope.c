/* view_scope.c — the weight scope: one pinned weight's own time series, as an
 * oscilloscope shows a signal. Over the last steps (one per braille column,
 * two per cell) its value in filter units y (engine/trace.h: the value whose
 * sign decides the binary weight) as a line, the flip threshold (+-tau for
 * Bop and Bop2, else 0) dotted, an 'x' on the line at each flip, the binary
 * weight's sign as a +/- strip underneath ('±' in a cell whose two steps
 * differ), and the optimizer's state names
 * with their latest values. The title line lists the pinned weights (the one
 * shown reversed); the trace follows whatever optimizer ran each step. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

#define LABEL_W 9 /* "-4.4e-05" and a space */

/* The plot: cells r, steps [first, first + 2 r.w) across (the newest at
 * the right edge; first may be below 1 early on), values lo..hi up. */
typedef struct {
  Rect r;
  int64_t first;
  double lo, hi;
} ScopePlot;

static int px_y(const ScopePlot *p, double v) {
  double t = (v - p->lo) / (p->hi - p->lo);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return (int)lround((1 - t) * (4 * p->r.h - 1));
}

/* The pixel column of step, or -1 outside the plot. */
static int px_x(const ScopePlot *p, uint64_t step) {
  int64_t x = (int64_t)step - p->first;
  return x >= 0 && x < 2 * (int64_t)p->r.w ? (int)x : -1;
}

/* What y is for kind: the state whose sign decides the binary weight. */
static const char *filter_name(OptKind kind) {
  switch (kind) {
  case OPT_CEMA: return "i";
  case OPT_IIR: return "y";
  case OPT_BOP: return "m";
  case OPT_BOP2: return "m/sqrt(v)";
  default: return "-k w";
  }
}

/* The weight's flip: its sign differs from the step before's (both known). */
static int flipped_at(const DashScope *sc, size_t i, size_t k) {
  return i > 0 && sc->at[i].sign[k] && sc->at[i - 1].sign[k] && sc->at[i].sign[k] != sc->at[i - 1].sign[k] &&
         sc->at[i].step == sc->at[i - 1].step + 1;
}

/* The value range of pinned weights [k0, k1) over the steps shown, the
 * thresholds included. */
static void value_range(const DashScope *sc, size_t k0, size_t k1, ScopePlot *p) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < sc->n; i++) {
    const DashScopeStep *e = &sc->at[i];
    if (px_x(p, e->step) < 0) continue;
    double thr = e->threshold;
    lo = fmin(lo, -thr), hi = fmax(hi, thr);
    for (size_t k = k0; k < k1; k++)
      if (isfinite(e->filter[k])) lo = fmin(lo, e->filter[k]), hi = fmax(hi, e->filter[k]);
  }
  if (!(hi >= lo)) lo = -1, hi = 1;
  double pad = hi > lo ? 0.05 * (hi - lo) : fmax(fabs(hi), 1e-12);
  p->lo = lo - pad, p->hi = hi + pad;
}

/* The threshold dotted at every other pixel, then the traces of pinned
 * weights [k0, k1) over it, each in its pin's colour, and their flips. */
static void draw_traces(Canvas *c, const DashScope *sc, size_t k0, size_t k1, const ScopePlot *p) {
  Braille b;
  braille_begin(&b, c, p->r);
  for (size_t i = 0; i < sc->n; i++) {
    const DashScopeStep *e = &sc->at[i];
    int x = px_x(p, e->step);
    if (x < 0 || x % 2) continue;
    braille_set(&b, x, px_y(p, e->threshold), ST_DIM);
    if (e->threshold > 0) braille_set(&b, x, px_y(p, -e->threshold), ST_DIM);
  }
  for (size_t k = k0; k < k1; k++) {
    int have = 0, last_x = 0, last_y = 0;
    for (size_t i = 0; i < sc->n; i++) {
      const DashScopeStep *e = &sc->at[i];
      int x = px_x(p, e->step);
      if (x < 0 || !isfinite(e->filter[k])) {
        have = 0;
        continue;
      }
      int y = px_y(p, e->filter[k]);
      if (have && x == last_x + 1) braille_line(&b, last_x, last_y, x, y, dash_layer_style(k));
      else braille_set(&b, x, y, dash_layer_style(k));
      have = 1, last_x = x, last_y = y;
    }
  }
  braille_blit(&b, c);
  for (size_t k = k0; k < k1; k++)
    for (size_t i = 0; i < sc->n; i++) {
      int x = px_x(p, sc->at[i].step);
      if (x >= 0 && flipped_at(sc, i, k) && isfinite(sc->at[i].filter[k]))
        canvas_put(c, p->r.x + x / 2, p->r.y + px_y(p, sc->at[i].filter[k]) / 4, 0x00D7, 'x', ST_FLIP);
    }
}

/* A value label, two digits: "-4.4e-05", "0.013", "0". */
static void label(Canvas *c, int x, int y, double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.2g", v);
  canvas_text(c, x, y, buf, ST_DIM, LABEL_W - 1);
}

/* The value labels: top, bottom, then 0 and the thresholds, each over an
 * earlier one in its row (the lines drawn are named before the range). */
static void draw_labels(Canvas *c, int x, const ScopePlot *p, double threshold) {
  const double at[3] = {0, threshold, -threshold};
  label(c, x, p->r.y, p->hi);
  label(c, x, p->r.y + p->r.h - 1, p->lo);
  for (int i = 0; i < (threshold > 0 ? 3 : 1); i++) {
    int row = px_y(p, at[i]) / 4;
    if (row >= 0 && row < p->r.h) {
      canvas_fill(c, (Rect){x, p->r.y + row, LABEL_W - 1, 1}, ' ', ' ', ST_TEXT);
      label(c, x, p->r.y + row, at[i]);
    }
  }
}

/* The sign strip: per cell its steps' sign, '+' or '-', or '±' ('*') when
 * both, lit where a flip happened. */
static void draw_signs(Canvas *c, int x, int y, const DashScope *sc, size_t k, const ScopePlot *p) {
  canvas_text(c, x, y, "sign", ST_DIM, LABEL_W - 1);
  for (size_t i = 0; i < sc->n; i++) {
    int px = px_x(p, sc->at[i].step), sign = sc->at[i].sign[k];
    Cell *cell = px >= 0 ? canvas_at(c, p->r.x + px / 2, y) : NULL;
    if (!cell || !sign) continue;
    char was = px % 2 ? cell->ascii : ' ', now = sign > 0 ? '+' : '-';
    int both = was == '*' || (was != ' ' && was != now);
    int lit = flipped_at(sc, i, k) || (px % 2 && cell->style == ST_FLIP);
    canvas_put(c, p->r.x + px / 2, y, both ? 0x00B1 : (uint32_t)now, both ? '*' : now,
               lit ? ST_FLIP : sign > 0 ? ST_POS3 : ST_NEG3);
  }
}

/* The pinned weights, "1 L1#123", the one shown reversed; at the right end
 * what y is, when it fits. */
static void draw_pins(Canvas *c, int x, int y, int end, const DashScope *sc, size_t sel) {
  char what[48];
  snprintf(what, sizeof what, "y = %s", sc->n ? filter_name((OptKind)sc->at[sc->n - 1].kind) : "?");
  int what_w = (int)strlen(what);
  for (size_t k = 0; k < sc->n_pins && x < end; k++) {
    char buf[32];
    snprintf(buf, sizeof buf, "%zu L%u#%u", k + 1, sc->pin[k].layer + 1, sc->pin[k].index);
    x += canvas_text(c, x, y, buf, k == sel ? ST_SELECT : dash_layer_style(k), end - x) + 1;
  }
  if (sc->n_pins > 1 && x < end) x += canvas_text(c, x, y, "all", sel == sc->n_pins ? ST_SELECT : ST_DIM, end - x) + 1;
  if (sc->n && x + what_w <= end) canvas_text(c, end - what_w, y, what, ST_DIM, what_w);
}

/* The optimizer's states and the gradient of the newest step: "cema i 1.2e-4 m -3e-5 grad 0.8". */
static void draw_states(Canvas *c, int x, int y, int w, const DashScope *sc, TraceRef ref) {
  const TraceSnapshot *t = &sc->last;
  size_t k = 0;
  while (k < t->n && (t->ref[k].layer != ref.layer || t->ref[k].index != ref.index)) k++;
  if (!t->step || k == t->n) {
    canvas_text(c, x, y, "no step since it was pinned", ST_DIM, w);
    return;
  }
  char line[160], num[32];
  int n = snprintf(line, sizeof line, "%s", dash_opt_name(t->kind));
  for (int s = 0; s < t->states && n < (int)sizeof line; s++) {
    fmt_num(num, sizeof num, t->state[k][s]);
    n += snprintf(line + n, sizeof line - (size_t)n, "  %s %s", trace_state_name(t->kind, s), num);
  }
  fmt_num(num, sizeof num, t->grad[k]);
  if (n < (int)sizeof line) snprintf(line + n, sizeof line - (size_t)n, "  grad %s", num);
  canvas_text(c, x, y, line, ST_VALUE, w);
}

/* Under the plot: the steps shown, the threshold dotted, the flips marked
 * and, when it fits, the last optimizer switch shown ("bop from 1400"). */
static void draw_axis(Canvas *c, int y, const DashScope *sc, size_t k0, size_t k1,
                      const ScopePlot *p) {
  const DashScopeStep *e = &sc->at[sc->n - 1];
  size_t flips = 0, from = 0;
  for (size_t i = 0; i < sc->n; i++) {
    if (px_x(p, sc->at[i].step) < 0) continue;
    for (size_t k = k0; k < k1; k++) flips += flipped_at(sc, i, k);
    if (i > 0 && sc->at[i].kind != sc->at[i - 1].kind) from = i;
  }
  char num[32], buf[160];
  fmt_num(num, sizeof num, e->threshold);
  int n = snprintf(buf, sizeof buf, "steps %llu-%llu  dots %s%s  x %zu flip%s",
                   (unsigned long long)((int64_t)sc->at[0].step > p->first ? (int64_t)sc->at[0].step : p->first),
                   (unsigned long long)e->step, e->threshold > 0 ? "+-" : "", num, flips,
                   flips == 1 ? "" : "s");
  int room = p->r.w + LABEL_W;
  if (from) {
    char more[64];
    int m = snprintf(more, sizeof more, "  %s from %llu", dash_opt_name((OptKind)sc->at[from].kind),
                     (unsigned long long)sc->at[from].step);
    if (n + m <= room) snprintf(buf + n, sizeof buf - (size_t)n, "%s", more);
  }
  canvas_text(c, p->r.x - LABEL_W, y, buf, ST_DIM, room);
}

/* The title: the pinned weight shown, with its row and column. */
static void scope_box(Canvas *c, Rect r, const DashSnapshot *s, size_t k) {
  char title[96] = "weight scope";
  if (k == s->scope.n_pins && k > 1) {
    snprintf(title, sizeof title, "weight scope: all %zu pinned weights", k);
  } else if (k < s->scope.n_pins) {
    TraceRef ref = s->scope.pin[k];
    size_t in = ref.layer < s->n_layers && s->layer[ref.layer].in ? s->layer[ref.layer].in : 1;
    snprintf(title, sizeof title, "weight scope %zu: L%u #%u (row %zu, col %zu)", k + 1, ref.layer + 1,
             ref.index, ref.index / in, ref.index % in);
  }
  canvas_box(c, r, "w", title, 0);
}

static void no_pins(Canvas *c, int x, int y, int w) {
  static const char *const lines[] = {
      "no weight is pinned to the scope yet:",
      "4 focuses the weights raster, the arrows move its",
      "cursor, t (or Enter) pins the weight under it (up",
      "to 8), or start with --trace-weights L:I,...;",
      "{ } choose the pinned weight shown, w hides this.",
  };
  for (int i = 0; i < 5; i++) canvas_text(c, x, y + i, lines[i], ST_DIM, w);
}

/* With ui->scope_sel == n_pins (more than one pinned): every pinned weight
 * overlaid, each in its colour; the sign strip and the states then belong
 * to one weight, so a line says how to pick one. */
void view_scope(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  const DashScope *sc = &s->scope;
  size_t sel = ui ? ui->scope_sel : 0;
  int all = sc->n_pins > 1 && sel == sc->n_pins;
  size_t k = all ? sc->n_pins : sel < sc->n_pins ? sel : 0;
  scope_box(c, r, s, k);
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < LABEL_W + 8 || ih < 7) return;
  if (!sc->n_pins) {
    no_pins(c, ix, iy, iw);
    return;
  }
  draw_pins(c, ix, iy, ix + iw, sc, k);
  if (all) canvas_text(c, ix, iy + ih - 1, "{ } one weight: its states and sign strip", ST_DIM, iw);
  else draw_states(c, ix, iy + ih - 1, iw, sc, sc->pin[k]);
  if (!sc->n) return;
  size_t k0 = all ? 0 : k, k1 = all ? sc->n_pins : k + 1;
  ScopePlot p = {.r = {ix + LABEL_W, iy + 1, iw - LABEL_W, ih - 4}};
  p.first = (int64_t)sc->at[sc->n - 1].step + 1 - 2 * (int64_t)p.r.w;
  value_range(sc, k0, k1, &p);
  draw_labels(c, ix, &p, sc->at[sc->n - 1].threshold);
  draw_traces(c, sc, k0, k1, &p);
  if (!all) draw_signs(c, ix, iy + ih - 3, sc, k, &p);
  draw_axis(c, iy + ih - 2, sc, k0, k1, &p);
}
