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

size_t layout_weights_grid(Rect pane, size_t n, int *cols, int *rows) {
  *cols = pane.w - 2 > 0 ? pane.w - 2 : 0;
  *rows = pane.h - 3 > 0 ? pane.h - 3 : 0; /* the frame and the legend row */
  size_t cells = (size_t)*cols * (size_t)*rows;
  return cells < n ? cells : n;
}

long layout_weights_cell(Rect pane, size_t n, int x, int y) {
  int cols, rows;
  size_t shown = layout_weights_grid(pane, n, &cols, &rows);
  int cx = x - pane.x - 1, cy = y - pane.y - 1;
  if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) return -1;
  size_t j = (size_t)cy * (size_t)cols + (size_t)cx;
  return j < shown ? (long)j : -1;
}
