/* view_boundary.c — the model's decision over the input plane of 2-feature
 * data, as TensorFlow Playground shows it: each cell takes the class the
 * model predicts there (class 0 red, class 1 blue, as Playground's orange and
 * blue; further classes alternate), brighter the surer it is (shade blocks
 * in UTF-8; in ASCII '.' and ':' for the two colours, blank near a tie),
 * with the training points over it (a dot, or 'o' / 'x' in ASCII). */
#include <stdio.h>

#include "views/views.h"

/* The style of class k at confidence level 0..3. */
static Style class_style(size_t k, int level) {
  return (Style)((k % 2 ? ST_POS0 : ST_NEG0) + level);
}

/* The plane's cells: the grid cell under each, nearest. */
static void draw_plane(Canvas *c, int ix, int iy, int iw, int ih, const DashBoundary *b) {
  static const uint32_t shade[4] = {0x2591, 0x2592, 0x2593, 0x2588};
  for (int y = 0; y < ih; y++)
    for (int x = 0; x < iw; x++) {
      int row = y * DASH_GRID_H / ih, col = x * DASH_GRID_W / iw;
      int conf = b->conf[row][col], level = conf < 64 ? 0 : conf < 128 ? 1 : conf < 192 ? 2 : 3;
      size_t k = b->cls[row][col];
      char ascii = conf < 64 ? ' ' : k % 2 ? ':' : '.';
      canvas_put(c, ix + x, iy + y, shade[level], ascii, class_style(k, level));
    }
}

/* The training points, each in the cell its features fall in. */
static void draw_points(Canvas *c, int ix, int iy, int iw, int ih, const DashBoundary *b) {
  for (size_t j = 0; j < b->n_points; j++) {
    double u = (b->px[j] - b->x0) / (b->x1 - b->x0), v = (b->y1 - b->py[j]) / (b->y1 - b->y0);
    int x = (int)(u * iw), y = (int)(v * ih);
    if (x < 0 || x >= iw || y < 0 || y >= ih) continue;
    size_t k = b->pc[j];
    canvas_put(c, ix + x, iy + y, 0x25CF, k % 2 ? 'x' : 'o', class_style(k, 3));
  }
}

void view_boundary(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  (void)ui;
  const DashBoundary *b = &s->boundary;
  canvas_box(c, r, "D", "decision boundary", 0);
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < 8 || ih < 3) return;
  if (!b->valid) {
    canvas_text(c, ix, iy, "needs data with two features: spiral, xor, circles, gauss, a 2-column CSV",
                ST_DIM, iw);
    return;
  }
  draw_plane(c, ix, iy, iw, ih - 1, b);
  draw_points(c, ix, iy, iw, ih - 1, b);
  char legend[128];
  snprintf(legend, sizeof legend, "x %.3g..%.3g  y %.3g..%.3g  step %llu  D hides", b->x0, b->x1,
           b->y0, b->y1, (unsigned long long)b->step);
  canvas_text(c, ix, iy + ih - 1, legend, ST_DIM, iw);
}
