/* view_curves.c — loss (top) and train/test accuracy (bottom) over steps as
 * braille line graphs, two samples per cell as btop draws them; the pinned
 * run as a ghost underneath; '^' under the steps where a parameter changed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

#define LABEL_W 6

typedef struct {
  Rect r;          /* graph cells */
  double lo, hi;   /* value range bottom .. top */
  double xmax;     /* steps at the right edge */
} Plot;

static int px_y(const Plot *p, double v) {
  double t = (v - p->lo) / (p->hi - p->lo);
  if (t < 0) t = 0;
  if (t > 1) t = 1;
  return (int)lround((1 - t) * (4 * p->r.h - 1));
}

/* Draws one series of a history: a value per pixel column, joined. */
static void plot_series(Braille *b, const Plot *p, const DashBucket *h, size_t n, Series what,
                        Style st) {
  int cols = 2 * p->r.w, have = 0, last_y = 0, last_x = 0;
  uint64_t end = n ? h[n - 1].last : 0;
  for (int px = 0; px < cols; px++) {
    double a = p->xmax * px / cols, bnd = p->xmax * (px + 1) / cols;
    if (a >= (double)end) break;
    double v = dash_series(h, n, what, 0, a + 0.5, bnd + 0.5);
    if (isnan(v)) continue;
    int y = px_y(p, v);
    if (have) braille_line(b, last_x, last_y, px, y, st);
    else braille_set(b, px, y, st);
    have = 1, last_x = px, last_y = y;
  }
}

/* Test accuracy exists only where it was evaluated: points joined by lines. */
static void plot_points(Braille *b, const Plot *p, const DashBucket *h, size_t n, Style st) {
  int cols = 2 * p->r.w, have = 0, last_x = 0, last_y = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(h[i].test_acc)) continue;
    int px = (int)((double)h[i].last * cols / p->xmax);
    if (px >= cols) px = cols - 1;
    int y = px_y(p, h[i].test_acc);
    if (have) braille_line(b, last_x, last_y, px, y, st);
    else braille_set(b, px, y, st);
    have = 1, last_x = px, last_y = y;
  }
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

static void draw_plot(Canvas *c, const Plot *p, const DashSnapshot *s, const DashUi *ui, int acc) {
  Braille b;
  braille_begin(&b, c, p->r);
  const DashGhost *g = ui ? ui->ghost : NULL;
  if (g) {
    if (acc) {
      plot_series(&b, p, g->hist, g->n_hist, SERIES_TRAIN, ST_GHOST);
      plot_points(&b, p, g->hist, g->n_hist, ST_GHOST);
    } else {
      plot_series(&b, p, g->hist, g->n_hist, SERIES_LOSS, ST_GHOST);
    }
  }
  if (acc) {
    plot_series(&b, p, s->hist, s->n_hist, SERIES_TRAIN, ST_TRAIN);
    plot_points(&b, p, s->hist, s->n_hist, ST_TEST);
  } else {
    plot_series(&b, p, s->hist, s->n_hist, SERIES_LOSS, ST_LOSS);
  }
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

void view_curves(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  canvas_box(c, r, "1", "curves", ui && ui->focus == PANE_CURVES);
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < LABEL_W + 4 || ih < 4) return;
  char num[32];
  /* legend */
  int x = ix;
  x += canvas_text(c, x, iy, "loss ", ST_DIM, ix + iw - x);
  fmt_num(num, sizeof num, s->loss);
  x += canvas_text(c, x, iy, s->step ? num : "-", ST_LOSS, ix + iw - x) + 2;
  x += canvas_text(c, x, iy, "train ", ST_DIM, ix + iw - x);
  snprintf(num, sizeof num, "%.1f%%", 100 * s->train_acc);
  x += canvas_text(c, x, iy, s->step ? num : "-", ST_TRAIN, ix + iw - x) + 2;
  x += canvas_text(c, x, iy, "test ", ST_DIM, ix + iw - x);
  snprintf(num, sizeof num, "%.1f%%", 100 * s->test_acc);
  x += canvas_text(c, x, iy, isnan(s->test_acc) ? "-" : num, ST_TEST, ix + iw - x) + 2;
  const DashGhost *g = ui ? ui->ghost : NULL;
  if (g) {
    x += canvas_text(c, x, iy, "ghost ", ST_DIM, ix + iw - x);
    canvas_text(c, x, iy, g->label, ST_GHOST, ix + iw - x);
  }

  double xmax = (double)s->step;
  if (g && g->n_hist && (double)g->hist[g->n_hist - 1].last > xmax) xmax = (double)g->hist[g->n_hist - 1].last;
  xmax = dash_time_axis(xmax);

  int gy = iy + 1, gh = ih - 2; /* graph rows between the legend and the axis */
  int loss_h = gh / 2, acc_h = gh - loss_h;
  Rect gr = {ix + LABEL_W, gy, iw - LABEL_W, loss_h};
  double lo = INFINITY, hi = -INFINITY;
  range_of(s->hist, s->n_hist, SERIES_LOSS, &lo, &hi);
  if (g) range_of(g->hist, g->n_hist, SERIES_LOSS, &lo, &hi);
  if (!(hi > lo)) lo = isfinite(lo) ? lo - 0.5 : 0, hi = lo + 1;
  Plot loss = {gr, lo, hi, xmax};
  char top[16], bottom[16];
  fmt_num(top, sizeof top, hi);
  fmt_num(bottom, sizeof bottom, lo);
  y_labels(c, &loss, ix, top, bottom);
  if (loss_h > 0) draw_plot(c, &loss, s, ui, 0);

  lo = INFINITY, hi = -INFINITY;
  range_of(s->hist, s->n_hist, SERIES_TRAIN, &lo, &hi);
  range_of(s->hist, s->n_hist, SERIES_TEST, &lo, &hi);
  if (g) range_of(g->hist, g->n_hist, SERIES_TRAIN, &lo, &hi), range_of(g->hist, g->n_hist, SERIES_TEST, &lo, &hi);
  lo = isfinite(lo) ? floor(lo * 10) / 10 : 0;
  hi = isfinite(hi) ? ceil(hi * 10) / 10 : 1;
  if (hi <= lo) hi = lo + 0.1;
  Plot acc = {{ix + LABEL_W, gy + loss_h, iw - LABEL_W, acc_h}, lo, hi, xmax};
  snprintf(top, sizeof top, "%.0f%%", 100 * hi);
  snprintf(bottom, sizeof bottom, "%.0f%%", 100 * lo);
  y_labels(c, &acc, ix, top, bottom);
  if (acc_h > 0) draw_plot(c, &acc, s, ui, 1);

  /* axis: 0 ... steps, markers with the latest label */
  int ay = iy + ih - 1;
  canvas_text(c, ix + LABEL_W, ay, "0", ST_DIM, 1);
  fmt_count(num, sizeof num, xmax);
  int nl = (int)strlen(num);
  canvas_text(c, ix + iw - nl, ay, num, ST_DIM, nl);
  /* markers where the axis is free; the latest one's label beside it if it fits */
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
