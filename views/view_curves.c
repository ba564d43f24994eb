/* view_curves.c — loss (top) and train/test accuracy (bottom) over steps as
 * braille line graphs, two samples per cell as btop draws them, smoothed as
 * TensorBoard does (the raw curves faint underneath); up to four pinned runs
 * as ghosts underneath, each in its colour with its label in a legend; '^' under the steps where a parameter changed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

#define LABEL_W 6

typedef struct {
  Rect r;          /* graph cells */
  double lo, hi;   /* value range bottom .. top (both > 0 on a log scale) */
  double xmax;     /* steps at the right edge */
  int log;         /* 1: a log10 scale */
} Plot;

/* The pixel row of value v (0 at the top), clamped to the plot. */
static int px_y(const Plot *p, double v) {
  double t = p->log ? (v > 0 ? log10(v / p->lo) / log10(p->hi / p->lo) : 0) : (v - p->lo) / (p->hi - p->lo);
  if (!(t > 0)) t = 0;
  if (t > 1) t = 1;
  return (int)lround((1 - t) * (4 * p->r.h - 1));
}

/* The points of one curve as drawn: pixel column x[k] holds value v[k]. */
#define MAX_POINTS 2048
typedef struct {
  int n;
  int x[MAX_POINTS];
  double v[MAX_POINTS];
} Points;

/* One series of a history, a value per pixel column (the mean of the
 * buckets it covers). */
static void series_points(const Plot *p, const DashBucket *h, size_t n, Series what, Points *out) {
  int cols = 2 * p->r.w;
  uint64_t end = n ? h[n - 1].last : 0;
  out->n = 0;
  for (int px = 0; px < cols && out->n < MAX_POINTS; px++) {
    double a = p->xmax * px / cols, bnd = p->xmax * (px + 1) / cols;
    if (a >= (double)end) break;
    double v = dash_series(h, n, what, 0, a + 0.5, bnd + 0.5);
    if (isnan(v)) continue;
    out->x[out->n] = px, out->v[out->n++] = v;
  }
}

/* Test accuracy exists only where it was evaluated: one point per evaluation. */
static void test_points(const Plot *p, const DashBucket *h, size_t n, Points *out) {
  int cols = 2 * p->r.w;
  out->n = 0;
  for (size_t i = 0; i < n && out->n < MAX_POINTS; i++) {
    if (isnan(h[i].test_acc)) continue;
    int px = (int)((double)h[i].last * cols / p->xmax);
    out->x[out->n] = px < cols ? px : cols - 1, out->v[out->n++] = h[i].test_acc;
  }
}

/* The points joined by lines. */
static void draw_points(Braille *b, const Plot *p, const Points *pts, Style st) {
  for (int k = 0; k < pts->n; k++) {
    int y = px_y(p, pts->v[k]);
    if (k) braille_line(b, pts->x[k - 1], px_y(p, pts->v[k - 1]), pts->x[k], y, st);
    else braille_set(b, pts->x[k], y, st);
  }
}

/* One curve of history h (a series, or the test points): raw in raw_st
 * (ST_TEXT: not drawn) under the smoothed one in st. */
static void plot_curve(Braille *b, const Plot *p, const DashBucket *h, size_t n, Series what, double w,
                       Style raw_st, Style st) {
  Points pts;
  if (what == SERIES_TEST) test_points(p, h, n, &pts);
  else series_points(p, h, n, what, &pts);
  if (w > 0 && raw_st != ST_TEXT) draw_points(b, p, &pts, raw_st);
  dash_smooth(pts.v, pts.n, w);
  draw_points(b, p, &pts, st);
}

static void range_of(const DashBucket *h, size_t n, Series what, double *lo, double *hi) {
  for (size_t i = 0; i < n; i++) {
    double v = what == SERIES_TEST ? h[i].test_acc
               : what == SERIES_LOSS ? h[i].loss / h[i].steps
                                     : h[i].train_acc / h[i].steps;
    if (isnan(v) || h[i].steps == 0) continue;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
  }
}

static void y_labels(Canvas *c, const Plot *p, int x, const char *top, const char *bottom) {
  canvas_text(c, x, p->r.y, top, ST_DIM, LABEL_W - 1);
  if (p->r.h > 1) canvas_text(c, x, p->r.y + p->r.h - 1, bottom, ST_DIM, LABEL_W - 1);
}

/* The 1-2-5 value at or below v > 0 (up = 0), or at or above it (up = 1). */
static double nice_125(double v, int up) {
  static const double m[] = {1, 2, 5, 10};
  double d = pow(10, floor(log10(v))), best = up ? 10 * d : d;
  for (int i = 0; i < 4; i++) {
    double n = m[i] * d;
    if (up && n >= v * (1 - 1e-9) && n < best) best = n;
    if (!up && n <= v * (1 + 1e-9)) best = n;
  }
  return best;
}

/* A log scale's labels: its ends, and each decade between them on a row of
 * its own ("1", "0.1", "0.01", "1e-3"). */
static void log_labels(Canvas *c, const Plot *p, int x) {
  char num[16];
  fmt_short(num, sizeof num, p->hi);
  canvas_text(c, x, p->r.y, num, ST_DIM, LABEL_W - 1);
  fmt_short(num, sizeof num, p->lo);
  if (p->r.h > 1) canvas_text(c, x, p->r.y + p->r.h - 1, num, ST_DIM, LABEL_W - 1);
  for (double d = pow(10, ceil(log10(p->lo))); d < p->hi; d *= 10) {
    int row = p->r.y + px_y(p, d) / 4;
    if (row <= p->r.y || row >= p->r.y + p->r.h - 1) continue;
    fmt_short(num, sizeof num, d);
    canvas_text(c, x, row, num, ST_DIM, LABEL_W - 1);
  }
}

/* The smoothing weight the UI asks for (0 without a UI). */
static double smooth_weight(const DashUi *ui) {
  return ui ? dash_smooth_weight[ui->smooth % DASH_SMOOTH_STEPS] : 0;
}

/* The pinned runs drawn (none without a UI). */
static size_t ghost_count(const DashUi *ui) {
  if (!ui) return 0;
  return ui->n_ghosts < DASH_GHOSTS ? ui->n_ghosts : DASH_GHOSTS;
}

/* The range of series `what` over the run and its ghosts. */
static void range_all(const DashSnapshot *s, const DashUi *ui, Series what, double *lo, double *hi) {
  range_of(s->hist, s->n_hist, what, lo, hi);
  for (size_t k = 0; k < ghost_count(ui); k++) range_of(ui->ghost[k]->hist, ui->ghost[k]->n_hist, what, lo, hi);
}

/* The loss (acc = 0) or the accuracies of the ghosts, then of the run: the
 * raw curves faint under the smoothed ones (the ghosts' smoothed only, each
 * in its own colour). */
static void draw_plot(Canvas *c, const Plot *p, const DashSnapshot *s, const DashUi *ui, int acc) {
  Braille b;
  braille_begin(&b, c, p->r);
  double w = smooth_weight(ui);
  for (size_t k = 0; k < ghost_count(ui); k++) {
    const DashGhost *g = ui->ghost[k];
    Style st = dash_ghost_style(g->colour);
    plot_curve(&b, p, g->hist, g->n_hist, acc ? SERIES_TRAIN : SERIES_LOSS, w, ST_TEXT, st);
    if (acc) plot_curve(&b, p, g->hist, g->n_hist, SERIES_TEST, w, ST_TEXT, st);
  }
  plot_curve(&b, p, s->hist, s->n_hist, acc ? SERIES_TRAIN : SERIES_LOSS, w, ST_DIM, acc ? ST_TRAIN : ST_LOSS);
  if (acc) plot_curve(&b, p, s->hist, s->n_hist, SERIES_TEST, w, ST_DIM, ST_TEST);
  braille_blit(&b, c);
  /* marker columns where nothing else is drawn */
  for (size_t m = 0; m < s->n_marks; m++) {
    int x = p->r.x + (int)((double)s->marks[m].step * p->r.w / p->xmax);
    if (x >= p->r.x + p->r.w) x = p->r.x + p->r.w - 1;
    for (int y = p->r.y; y < p->r.y + p->r.h; y++) {
      Cell *cell = canvas_at(c, x, y);
      if (cell && cell->cp == ' ') canvas_put(c, x, y, 0x250a, ':', ST_MARK);
    }
  }
}

/* The pane's title: "curves", the smoothing weight when it smooths, "log"
 * on a log scale. */
static void curves_title(char *buf, size_t len, const DashUi *ui) {
  double w = smooth_weight(ui);
  int used = snprintf(buf, len, "curves");
  if (w > 0) used += snprintf(buf + used, len - (size_t)used, " smooth %g", w);
  if (ui && ui->log_loss) snprintf(buf + used, len - (size_t)used, " log");
}

/* The loss plot over gr: linear from the lowest to the highest loss, or
 * log10 between the 1-2-5 values around them. */
static void loss_plot(Canvas *c, Rect gr, int label_x, double xmax, const DashSnapshot *s, const DashUi *ui) {
  double lo = INFINITY, hi = -INFINITY;
  range_all(s, ui, SERIES_LOSS, &lo, &hi);
  int log = ui && ui->log_loss && lo > 0 && isfinite(hi);
  if (log) lo = nice_125(lo, 0), hi = nice_125(hi, 1);
  if (!(hi > lo)) lo = isfinite(lo) ? lo - 0.5 : 0, hi = lo + 1;
  Plot loss = {gr, lo, hi, xmax, log};
  if (log) {
    log_labels(c, &loss, label_x);
  } else {
    char top[16], bottom[16];
    fmt_num(top, sizeof top, hi);
    fmt_num(bottom, sizeof bottom, lo);
    y_labels(c, &loss, label_x, top, bottom);
  }
  if (gr.h > 0) draw_plot(c, &loss, s, ui, 0);
}

/* The accuracy plot over gr, between the tenths around train and test. */
static void acc_plot(Canvas *c, Rect gr, int label_x, double xmax, const DashSnapshot *s, const DashUi *ui) {
  double lo = INFINITY, hi = -INFINITY;
  range_all(s, ui, SERIES_TRAIN, &lo, &hi);
  range_all(s, ui, SERIES_TEST, &lo, &hi);
  lo = isfinite(lo) ? floor(lo * 10) / 10 : 0;
  hi = isfinite(hi) ? ceil(hi * 10) / 10 : 1;
  if (hi <= lo) hi = lo + 0.1;
  Plot acc = {gr, lo, hi, xmax, 0};
  char top[16], bottom[16];
  snprintf(top, sizeof top, "%.0f%%", 100 * hi);
  snprintf(bottom, sizeof bottom, "%.0f%%", 100 * lo);
  y_labels(c, &acc, label_x, top, bottom);
  if (gr.h > 0) draw_plot(c, &acc, s, ui, 1);
}

/* The legend row at (x, y), up to end: the last values; returns the x after them. */
static int legend(Canvas *c, int x, int y, int end, const DashSnapshot *s) {
  char num[32];
  x += canvas_text(c, x, y, "loss ", ST_DIM, end - x);
  fmt_num(num, sizeof num, s->loss);
  x += canvas_text(c, x, y, s->step ? num : "-", ST_LOSS, end - x) + 2;
  x += canvas_text(c, x, y, "train ", ST_DIM, end - x);
  snprintf(num, sizeof num, "%.1f%%", 100 * s->train_acc);
  x += canvas_text(c, x, y, s->step ? num : "-", ST_TRAIN, end - x) + 2;
  x += canvas_text(c, x, y, "test ", ST_DIM, end - x);
  snprintf(num, sizeof num, "%.1f%%", 100 * s->test_acc);
  return x + canvas_text(c, x, y, isnan(s->test_acc) ? "-" : num, ST_TEST, end - x);
}

/* The ghosts' legend from row y, in up to `rows` rows from x to end:
 * "ghost" and each pinned run's label in its colour, two blanks apart; a
 * label that does not fit goes on the next row; on the last row, labels
 * that do not fit whole are counted instead ("+2") where that fits. */
static void ghost_legend(Canvas *c, int x0, int y, int rows, int end, const DashUi *ui) {
  int x = x0 + canvas_text(c, x0, y, "ghost ", ST_DIM, end - x0);
  size_t n = ghost_count(ui);
  for (size_t k = 0; k < n; k++) {
    const DashGhost *g = ui->ghost[k];
    int len = (int)strlen(g->label), more = k + 1 < n ? 4 : 0; /* room for "+N" after it */
    if (x > x0 + 6 && x + len + more > end && rows > 1) x = x0 + 6, y++, rows--;
    if (x > x0 + 6 && x + len + more > end) {
      char rest[24];
      snprintf(rest, sizeof rest, "+%zu", n - k);
      canvas_text(c, x, y, rest, ST_DIM, end - x);
      return;
    }
    x += canvas_text(c, x, y, g->label, dash_ghost_style(g->colour), end - x) + 2;
  }
}

/* The cells the ghosts' legend takes on one row. */
static int ghost_legend_width(const DashUi *ui) {
  int w = 4; /* "ghost " less the last gap */
  for (size_t k = 0; k < ghost_count(ui); k++) w += (int)strlen(ui->ghost[k]->label) + 2;
  return w;
}

/* The rows of their own the ghosts' legend takes: none without ghosts or
 * when it fits on the legend row after x (before end); else one, two on a
 * tall pane of interior height ih. */
static int ghost_rows(const DashUi *ui, int x, int end, int ih) {
  if (!ghost_count(ui) || x + 2 + ghost_legend_width(ui) <= end) return 0;
  return ih >= 16 && ghost_count(ui) > 2 ? 2 : 1;
}

/* The time axis in row ay under gr (from ix to ix + iw): 0 ... xmax, a '^'
 * at each marker where the axis is free, the latest one's label beside it
 * if it fits. */
static void time_axis(Canvas *c, Rect gr, int ix, int iw, int ay, double xmax, const DashSnapshot *s) {
  char num[32];
  canvas_text(c, gr.x, ay, "0", ST_DIM, 1);
  fmt_count(num, sizeof num, xmax);
  int nl = (int)strlen(num);
  canvas_text(c, ix + iw - nl, ay, num, ST_DIM, nl);
  for (size_t m = 0; m < s->n_marks; m++) {
    int mx = gr.x + (int)((double)s->marks[m].step * gr.w / xmax);
    if (mx >= gr.x + gr.w) mx = gr.x + gr.w - 1;
    Cell *cell = canvas_at(c, mx, ay);
    if (cell && cell->cp == ' ') canvas_put(c, mx, ay, '^', '^', ST_MARK);
    if (m + 1 < s->n_marks) continue;
    int lw = (int)strlen(s->marks[m].label), lx = -1;
    if (mx + 1 + lw < ix + iw - nl - 1) lx = mx + 1;
    else if (mx - lw > ix + LABEL_W + 1) lx = mx - lw;
    for (int k = 0; lx >= 0 && k < lw; k++) {
      Cell *free_cell = canvas_at(c, lx + k, ay);
      if (!free_cell || free_cell->cp != ' ') lx = -1;
    }
    if (lx >= 0) canvas_text(c, lx, ay, s->marks[m].label, ST_MARK, lw);
  }
}

void view_curves(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  char title[48];
  curves_title(title, sizeof title, ui);
  canvas_box(c, r, "1", title, ui && ui->focus == PANE_CURVES);
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < LABEL_W + 4 || ih < 4) return;
  int lx = legend(c, ix, iy, ix + iw, s);
  int lr = ghost_rows(ui, lx, ix + iw, ih);
  if (lr) ghost_legend(c, ix, iy + 1, lr, ix + iw, ui);
  else if (ghost_count(ui)) ghost_legend(c, lx + 2, iy, 1, ix + iw, ui);
  double xmax = (double)s->step;
  for (size_t k = 0; k < ghost_count(ui); k++) {
    const DashGhost *g = ui->ghost[k];
    if (g->n_hist && (double)g->hist[g->n_hist - 1].last > xmax) xmax = (double)g->hist[g->n_hist - 1].last;
  }
  xmax = dash_time_axis(xmax);
  int gy = iy + 1 + lr, gh = ih - 2 - lr; /* graph rows between the legends and the axis */
  int loss_h = gh / 2, acc_h = gh - loss_h;
  Rect gr = {ix + LABEL_W, gy, iw - LABEL_W, loss_h};
  loss_plot(c, gr, ix, xmax, s, ui);
  acc_plot(c, (Rect){ix + LABEL_W, gy + loss_h, iw - LABEL_W, acc_h}, ix, xmax, s, ui);
  time_axis(c, gr, ix, iw, iy + ih - 1, xmax, s);
}
