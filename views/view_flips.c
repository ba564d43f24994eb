/* view_flips.c — flips per step of each layer over time on a log scale, the
 * current counts per layer, and the reversal rate (flips undone within K steps). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

#define LABEL_W 4

void view_flips(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  canvas_box(c, r, "2", "flips/step", ui && ui->focus == PANE_FLIPS);
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < LABEL_W + 4 || ih < 3) return;
  char num[32], buf[64];
  /* legend: L1 1.2k  L2 340 ... (the selected layer underlined by brackets) */
  int x = ix;
  for (size_t l = 0; l < s->n_layers && x < ix + iw; l++) {
    fmt_count(num, sizeof num, s->layer[l].flips_recent);
    snprintf(buf, sizeof buf, "%sL%zu %s%s", ui && ui->layer == l ? "[" : "", l + 1, num,
             ui && ui->layer == l ? "]" : "");
    x += canvas_text(c, x, iy, buf, dash_layer_style(l), ix + iw - x) + 1;
  }
  /* the graph: log10(1 + flips) from 0 to the next decade above the maximum */
  int gy = iy + 1, gh = ih - 2;
  Rect gr = {ix + LABEL_W, gy, iw - LABEL_W, gh};
  double top = 1;
  for (size_t i = 0; i < s->n_hist; i++)
    for (size_t l = 0; l < s->n_layers; l++) {
      double v = log10(1 + s->hist[i].flips[l] / (s->hist[i].steps ? s->hist[i].steps : 1));
      if (v > top) top = v;
    }
  top = ceil(top);
  if (gh > 0) {
    static const char *decades[] = {"1", "10", "100", "1k", "10k", "100k", "1M", "10M", "100M", "1G"};
    canvas_text(c, ix, gy, top < 10 ? decades[(int)top] : "big", ST_DIM, LABEL_W - 1);
    canvas_text(c, ix, gy + gh - 1, "0", ST_DIM, 1);
    Braille b;
    braille_begin(&b, c, gr);
    double xmax = dash_time_axis((double)s->step);
    int cols = 2 * gr.w;
    /* the selected layer last, so it lies on top where lines share a cell */
    size_t top_layer = ui && ui->layer < s->n_layers ? ui->layer : s->n_layers - 1;
    for (size_t k = 0; k < s->n_layers; k++) {
      size_t l = k == s->n_layers - 1 ? top_layer : k < top_layer ? k : k + 1;
      int have = 0, lx = 0, ly = 0;
      for (int px = 0; px < cols; px++) {
        double a = xmax * px / cols, e = xmax * (px + 1) / cols;
        if (a >= (double)s->step) break;
        double v = dash_series(s->hist, s->n_hist, SERIES_FLIPS, l, a + 0.5, e + 0.5);
        if (isnan(v)) continue;
        double t = log10(1 + v) / top;
        int y = (int)lround((1 - (t > 1 ? 1 : t)) * (4 * gr.h - 1));
        if (have) braille_line(&b, lx, ly, px, y, dash_layer_style(l));
        else braille_set(&b, px, y, dash_layer_style(l));
        have = 1, lx = px, ly = y;
      }
    }
    braille_blit(&b, c);
  }
  /* bottom line: flip ratio and reversals */
  int by = iy + ih - 1;
  char ratio[16], rev[16];
  fmt_percent(ratio, sizeof ratio, s->flip_ratio);
  if (isnan(s->reversal)) snprintf(rev, sizeof rev, "-");
  else snprintf(rev, sizeof rev, "%.0f%%", 100 * s->reversal);
  snprintf(buf, sizeof buf, "reversal(%d) ", s->reversal_k);
  /* the long form when it fits: "ratio 0.6% reversal(16) 44%", else the reversals */
  int wide = 6 + (int)strlen(ratio) + 1 + (int)strlen(buf) + (int)strlen(rev) <= iw;
  x = ix;
  if (wide) {
    x += canvas_text(c, x, by, "ratio ", ST_DIM, ix + iw - x);
    x += canvas_text(c, x, by, ratio, ST_VALUE, ix + iw - x) + 1;
  }
  x += canvas_text(c, x, by, buf, ST_DIM, ix + iw - x);
  canvas_text(c, x, by, rev, ST_VALUE, ix + iw - x);
}
