/* view_weights.c — a raster of the selected layer's sampled weights, one per
 * cell: colour is the sign (+1 blue, -1 red), brightness the inertia's size
 * relative to the layer (faint = about to flip), and a highlight on the ones
 * that flipped in the last steps. Glyphs carry it without colour too: shade
 * blocks by strength (UTF-8) or the sign as + / - (ASCII), '*' just flipped.
 * A convolution's sample of whole kernels is drawn as k x k tiles with a
 * gap (layout_weights_plan, views.h), its last grid row saying what a tile
 * is. A weight pinned to the scope shows its pin's number (1-8); while the
 * pane has the focus, the cursor is a reversed cell and the legend names the
 * weight under it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

#define JUST_FLIPPED 2 /* steps */

/* The pin number (1-based) of weight `index` of layer l, or 0 when it is not pinned. */
static int pin_number(const DashScope *sc, size_t l, uint32_t index) {
  for (size_t k = 0; k < sc->n_pins; k++)
    if (sc->pin[k].layer == l && sc->pin[k].index == index) return (int)k + 1;
  return 0;
}

/* The legend while the pane has the focus: the weight under the cursor, by
 * row and column (dense) or by output channel n, input channel c and tap
 * (kh, kw) of its kernel (a convolution). */
static void cursor_legend(Canvas *c, int x, int y, int w, const DashSnapshot *s, size_t l, size_t j) {
  const DashLayer *L = &s->layer[l];
  char buf[96];
  int pin = pin_number(&s->scope, l, L->index[j]);
  size_t row = L->index[j] / L->in, col = L->index[j] % L->in, C = L->in_ch;
  int n = L->kernel && C ? snprintf(buf, sizeof buf, "#%u n%zu/c%zu %zu,%zu %+d", L->index[j], row,
                                    col % C, col / C / L->kernel, col / C % L->kernel, L->sign[j])
                         : snprintf(buf, sizeof buf, "#%u r%zu c%zu %+d", L->index[j], row, col,
                                    L->sign[j]);
  if (pin) snprintf(buf + n, sizeof buf - (size_t)n, " pin %d", pin);
  int used = canvas_text(c, x, y, buf, ST_VALUE, w) + 1;
  const char *hint = pin ? "t unpins" : s->scope.n_pins < TRACE_MAX ? "t pins" : "8 pinned";
  if (used + (int)strlen(hint) <= w) canvas_text(c, x + used, y, hint, ST_DIM, w - used);
}

/* The key of a convolution's tiles on the grid's last row: what a tile is,
 * "3x3 tiles: out ch n / in ch c", shortened to what fits. */
static void tile_key(Canvas *c, int x, int y, int w, int k) {
  char buf[48];
  snprintf(buf, sizeof buf, "%dx%d tiles: out ch n / in ch c", k, k);
  const char *text = (int)strlen(buf) <= w ? buf : "tiles: out ch n / in ch c";
  if ((int)strlen(text) <= w) canvas_text(c, x, y, text, ST_DIM, w);
}

/* The legend row at (x, y) up to end, counts over the sample: "256/65.5k"
 * (samples of the layer's weights), or "156 of 256" when the raster shows
 * only some, the share of +1 weights, of weak ones, the fresh flips; each
 * part whole or not at all (the last ones go when the pane is narrow). The
 * weak share in the text style: the weak weights' own dim blue is
 * unreadable on black in 8 colours. */
static void legend(Canvas *c, int x, int y, int end, const DashLayer *L, size_t shown, size_t pos, size_t flipped) {
  char part[4][32], n1[16], n2[16];
  fmt_count(n1, sizeof n1, (double)shown);
  fmt_count(n2, sizeof n2, (double)(shown < L->n ? L->n : L->in * L->out));
  snprintf(part[0], sizeof part[0], shown < L->n ? "%s of %s" : "%s/%s", n1, n2);
  snprintf(part[1], sizeof part[1], "+1:%.0f%%", L->n ? 100.0 * (double)pos / (double)L->n : 0);
  snprintf(part[2], sizeof part[2], "weak:%.0f%%", 100.0 * L->near_zero);
  snprintf(part[3], sizeof part[3], "flip:%zu", flipped);
  static const Style st[4] = {ST_DIM, ST_POS3, ST_TEXT, ST_FLIP};
  for (int k = 0; k < 4; k++) {
    int w = (int)strlen(part[k]);
    if (x + w > end) return;
    x += canvas_text(c, x, y, part[k], st[k], w) + 1;
  }
}

/* Sample j at (x, y): its pin number, '*' when it just flipped, else its
 * sign's colour at the strength of |inertia| / scale. */
static void weight_cell(Canvas *c, int x, int y, const DashLayer *L, size_t j, int pin,
                        int under_cursor, double scale) {
  static const uint32_t shade[4] = {0x2591, 0x2592, 0x2593, 0x2588};
  int positive = L->sign[j] > 0;
  double q = fabs(L->inertia[j]) / scale;
  int level = q < 0.25 ? 0 : q < 0.75 ? 1 : q < 1.5 ? 2 : 3;
  Style st = (Style)((positive ? ST_POS0 : ST_NEG0) + level);
  if (under_cursor) st = ST_SELECT;
  Style pin_st = under_cursor ? st : positive ? ST_POS3 : ST_NEG3;
  if (pin) canvas_put(c, x, y, (uint32_t)('0' + pin), (char)('0' + pin), pin_st);
  else if (L->age[j] < JUST_FLIPPED) canvas_put(c, x, y, 0x2588, '*', under_cursor ? st : ST_FLIP);
  else canvas_put(c, x, y, shade[level], positive ? '+' : '-', st);
}

void view_weights(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  size_t l = dash_layer_box(c, r, s, ui, PANE_WEIGHTS, "weights");
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < 4 || ih < 2 || l >= s->n_layers) return;
  const DashLayer *L = &s->layer[l];
  /* strength relative to the layer's median |inertia|: faint below a quarter
   * of it (about to flip), full beyond one and a half times it */
  double scale = L->abs_median > 0 ? L->abs_median : fmax(fabs(L->bands[1]), fabs(L->bands[7]));
  if (!(scale > 0)) scale = 1;
  WeightsGrid g;
  layout_weights_plan(r, L, &g);
  int focused = ui && ui->focus == PANE_WEIGHTS && g.shown, cx = 0, cy = 0;
  size_t cursor = focused ? layout_weights_cursor(&g, L, ui->cursor, &cx, &cy) : SIZE_MAX;
  size_t flipped = 0, pos = 0;
  for (size_t j = 0; j < L->n; j++) {
    flipped += L->age[j] < JUST_FLIPPED;
    pos += L->sign[j] > 0;
  }
  for (int y = 0; y < g.rows; y++)
    for (int x = 0; x < g.cols; x++) {
      long j = layout_weights_at(&g, L, x, y);
      if (j >= 0)
        weight_cell(c, ix + x, iy + y, L, (size_t)j, pin_number(&s->scope, l, L->index[j]),
                    (size_t)j == cursor, scale);
    }
  if (g.k) tile_key(c, ix, iy + g.rows - 1, iw, g.k);
  int y = iy + ih - 1;
  if (focused) cursor_legend(c, ix, y, iw, s, l, cursor);
  else legend(c, ix, y, ix + iw, L, g.shown, pos, flipped);
}
