/* view_weights.c — a raster of the selected layer's sampled weights, one per
 * cell: colour is the sign (+1 blue, -1 red), brightness the inertia's size
 * relative to the layer (faint = about to flip), and a highlight on the ones
 * that flipped in the last steps. Glyphs carry it without colour too: shade
 * blocks by strength (UTF-8) or the sign as + / - (ASCII), '*' just flipped. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "views/views.h"

#define JUST_FLIPPED 2 /* steps */

void view_weights(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  size_t l = dash_layer_box(c, r, s, ui, PANE_WEIGHTS, "weights");
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < 4 || ih < 2 || l >= s->n_layers) return;
  const DashLayer *L = &s->layer[l];
  /* strength relative to the layer's median |inertia|: faint below a quarter
   * of it (about to flip), full beyond one and a half times it */
  double scale = L->abs_median > 0 ? L->abs_median : fmax(fabs(L->bands[1]), fabs(L->bands[7]));
  if (!(scale > 0)) scale = 1;
  static const uint32_t shade[4] = {0x2591, 0x2592, 0x2593, 0x2588};
  int rows = ih - 1;
  size_t shown = (size_t)iw * (size_t)rows;
  if (shown > L->n) shown = L->n;
  size_t flipped = 0, pos = 0;
  for (size_t j = 0; j < L->n; j++) {
    flipped += L->age[j] < JUST_FLIPPED;
    pos += L->sign[j] > 0;
  }
  for (size_t j = 0; j < shown; j++) {
    int x = ix + (int)(j % (size_t)iw), y = iy + (int)(j / (size_t)iw);
    int positive = L->sign[j] > 0;
    if (L->age[j] < JUST_FLIPPED) {
      canvas_put(c, x, y, 0x2588, '*', ST_FLIP);
      continue;
    }
    double q = fabs(L->inertia[j]) / scale;
    int level = q < 0.25 ? 0 : q < 0.75 ? 1 : q < 1.5 ? 2 : 3;
    canvas_put(c, x, y, shade[level], positive ? '+' : '-',
               (Style)((positive ? ST_POS0 : ST_NEG0) + level));
  }
  /* legend: counts over the sample */
  char buf[96];
  int x = ix, y = iy + ih - 1;
  char n1[16], n2[16];
  fmt_count(n1, sizeof n1, (double)shown);
  fmt_count(n2, sizeof n2, (double)(L->in * L->out));
  snprintf(buf, sizeof buf, "%s/%s", n1, n2);
  x += canvas_text(c, x, y, buf, ST_DIM, ix + iw - x) + 1;
  snprintf(buf, sizeof buf, "+1:%.0f%%", L->n ? 100.0 * (double)pos / (double)L->n : 0);
  x += canvas_text(c, x, y, buf, ST_POS3, ix + iw - x) + 1;
  snprintf(buf, sizeof buf, "weak:%.0f%%", 100.0 * L->near_zero);
  x += canvas_text(c, x, y, buf, ST_POS0, ix + iw - x) + 1;
  snprintf(buf, sizeof buf, "flip:%zu", flipped);
  canvas_text(c, x, y, buf, ST_FLIP, ix + iw - x);
}
