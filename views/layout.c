/* layout.c — where the panes go. At 80x24:
 *
 *   header (2 rows)
 *   +-curves------------------------+ +-filter--------------+
 *   |                               | |                     |
 *   +-------------------------------+ +---------------------+
 *   +-flips---------+ +-inertia-----+ +-weights-------------+
 *   +---------------+ +-------------+ +---------------------+
 *   footer (1 row; 2 from 30 rows: messages get their own line)
 *
 * Larger screens give the curves and the filter pane most of the extra room.
 * The decision boundary (D) or the weight scope (w) takes the whole left
 * column in place of curves, flips and inertia.
 */
#include <string.h>

#include "views/views.h"

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

int layout_compute(int w, int h, Layout *out) {
  if (w < DASH_MIN_W || h < DASH_MIN_H) return -1;
  int footer_h = h >= 30 ? 2 : 1, header_h = 2;
  out->header = (Rect){0, 0, w, header_h};
  out->footer = (Rect){0, h - footer_h, w, footer_h};
  int body_y = header_h, body_h = h - header_h - footer_h;
  int right_w = clampi(w * 36 / 100, 28, 72), left_w = w - right_w;
  int curves_h = clampi(body_h * 52 / 100, 10, body_h - 9);
  int filter_h = clampi(body_h * 58 / 100, 12, body_h - 8);
  int low_h = body_h - curves_h, flips_w = left_w / 2;
  out->pane[PANE_CURVES] = (Rect){0, body_y, left_w, curves_h};
  out->pane[PANE_FLIPS] = (Rect){0, body_y + curves_h, flips_w, low_h};
  out->pane[PANE_INERTIA] = (Rect){flips_w, body_y + curves_h, left_w - flips_w, low_h};
  out->pane[PANE_FILTER] = (Rect){left_w, body_y, right_w, filter_h};
  out->pane[PANE_WEIGHTS] = (Rect){left_w, body_y + filter_h, right_w, body_h - filter_h};
  out->left = (Rect){0, body_y, left_w, body_h};
  return 0;
}

static int inside(Rect r, int x, int y) { return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h; }

int layout_pane_at(const Layout *L, LeftColumn left, int x, int y) {
  for (int p = 0; p < PANE_COUNT; p++) {
    int hidden = left != LEFT_PANES && (p == PANE_CURVES || p == PANE_FLIPS || p == PANE_INERTIA);
    if (!hidden && inside(L->pane[p], x, y)) return p;
  }
  return -1;
}

/* The tiles of a convolution's sample, (n, c) as n C + c ascending, into
 * key; 0 unless L is a convolution whose samples are whole k x k tiles. */
static size_t sample_tiles(const DashLayer *L, uint32_t *key) {
  size_t k = L->kernel, C = L->in_ch, taps = k * k, tiles = 0;
  if (!k || !C || L->in != taps * C || !L->n || L->n % taps) return 0;
  for (size_t j = 0; j < L->n; j++) {
    uint32_t v = (uint32_t)(L->index[j] / L->in * C + L->index[j] % C);
    size_t i = tiles;
    while (i > 0 && key[i - 1] > v) i--;
    if (i > 0 && key[i - 1] == v) continue;
    memmove(key + i + 1, key + i, (tiles - i) * sizeof *key);
    key[i] = v;
    tiles++;
  }
  return tiles * taps == L->n ? tiles : 0;
}

void layout_weights_plan(Rect pane, const DashLayer *L, WeightsGrid *g) {
  g->cols = pane.w - 2 > 0 ? pane.w - 2 : 0;
  g->rows = pane.h - 3 > 0 ? pane.h - 3 : 0; /* the frame and the legend row */
  g->k = 0;
  size_t tiles = sample_tiles(L, g->tile), k = L->kernel;
  int across = (g->cols + 1) / ((int)k + 1), down = g->rows / ((int)k + 1); /* a row for the key */
  if (tiles && across > 0 && down > 0) {
    g->k = (int)k;
    g->across = across;
    g->tiles = tiles < (size_t)across * (size_t)down ? tiles : (size_t)across * (size_t)down;
    g->shown = g->tiles * k * k;
    return;
  }
  size_t cells = (size_t)g->cols * (size_t)g->rows;
  g->shown = cells < L->n ? cells : L->n;
}

/* The sample with flat index v in L (ascending), or -1. */
static long find_index(const DashLayer *L, uint32_t v) {
  size_t lo = 0, hi = L->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (L->index[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo < L->n && L->index[lo] == v ? (long)lo : -1;
}

long layout_weights_at(const WeightsGrid *g, const DashLayer *L, int cx, int cy) {
  if (cx < 0 || cy < 0 || cx >= g->cols || cy >= g->rows) return -1;
  if (!g->k) {
    size_t j = (size_t)cy * (size_t)g->cols + (size_t)cx;
    return j < g->shown ? (long)j : -1;
  }
  int pitch = g->k + 1, kw = cx % pitch, kh = cy % pitch;
  size_t t = (size_t)(cy / pitch) * (size_t)g->across + (size_t)(cx / pitch);
  if (kw == g->k || kh == g->k || cx / pitch >= g->across || t >= g->tiles) return -1;
  size_t C = L->in_ch, n = g->tile[t] / C, c = g->tile[t] % C;
  return find_index(L, (uint32_t)(n * L->in + ((size_t)kh * (size_t)g->k + (size_t)kw) * C + c));
}

long layout_weights_cell(Rect pane, const DashLayer *L, int x, int y) {
  WeightsGrid g;
  layout_weights_plan(pane, L, &g);
  return layout_weights_at(&g, L, x - pane.x - 1, y - pane.y - 1);
}

size_t layout_weights_cursor(const WeightsGrid *g, const DashLayer *L, size_t cursor, int *x,
                             int *y) {
  long last = -1;
  for (int cy = 0; cy < g->rows; cy++)
    for (int cx = 0; cx < g->cols; cx++) {
      long j = layout_weights_at(g, L, cx, cy);
      if (j < 0) continue;
      last = j, *x = cx, *y = cy;
      if ((size_t)j == cursor) return cursor;
    }
  return (size_t)last;
}

size_t layout_weights_move(Rect pane, const DashLayer *L, size_t from, int dx, int dy) {
  WeightsGrid g;
  layout_weights_plan(pane, L, &g);
  if (!g.shown) return from;
  int x = 0, y = 0;
  from = layout_weights_cursor(&g, L, from, &x, &y);
  if (!dx && !dy) return from;
  /* across: the next cell in reading order holding a sample; down: the next row's */
  for (long step = 1;; step++) {
    int cx = x, cy = y + dy * (int)step;
    if (!dy) {
      long cell = (long)y * g.cols + x + dx * step;
      if (cell < 0) return from;
      cx = (int)(cell % g.cols), cy = (int)(cell / g.cols);
    }
    if (cy < 0 || cy >= g.rows) return from;
    long j = layout_weights_at(&g, L, cx, cy);
    if (j >= 0) return (size_t)j;
  }
}
