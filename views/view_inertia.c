/* view_inertia.c — the selected layer's inertia in filter units (the filter
 * state; -k w for a latent weight w, as the telemetry measures it): its distribution now (the telemetry histogram, of signed values or
 * of log10 |inertia|), and over time as a percentile fan (min-max, 7-93,
 * 16-84, 31-69 and the median) over a time axis like the curves pane's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/views.h"

#define LABEL_W 7 /* a scale label ("-1e-10") and a blank */

/* The style of a weight whose inertia (in filter units: b = -sign) is v. */
static Style weight_style(double v, int level) { return (Style)((v <= 0 ? ST_POS0 : ST_NEG0) + level); }

/* The fan's scale: the widest 7-93 band over time, with room; the min-max
 * band is clipped at the edges so outliers do not flatten the rest. */
static double fan_scale(const DashSnapshot *s, size_t l) {
  double fan_m = 0;
  for (size_t i = 0; i < s->n_hist; i++) {
    const float *b = s->hist[i].bands[l];
    if (isnan(b[0])) continue;
    if (fabs(b[1]) > fan_m) fan_m = fabs(b[1]);
    if (fabs(b[DASH_BANDS - 2]) > fan_m) fan_m = fabs(b[DASH_BANDS - 2]);
  }
  fan_m *= 1.25;
  return fan_m > 0 ? fan_m : 1;
}

/* Spreads the bins [b0, b1] over ncol columns (each bin over the columns
 * it covers); returns the fullest column's count. */
static double spread_bins(const DashLayer *L, int b0, int b1, double *cols, int ncol) {
  int nb = b1 - b0 + 1;
  double maxc = 0;
  for (int k = b0; k <= b1; k++) {
    double c0 = (double)(k - b0) * ncol / nb, c1 = (double)(k - b0 + 1) * ncol / nb;
    for (int col = (int)c0; col < ncol && col < c1; col++) {
      double overlap = fmin(c1, col + 1) - fmax(c0, col);
      cols[col] += L->hist[k] * overlap / (c1 - c0);
    }
  }
  for (int col = 0; col < ncol; col++)
    if (cols[col] > maxc) maxc = cols[col];
  return maxc;
}

/* The labels under the histogram of values [lo_v, hi_v] drawn in ncol columns. */
static void histogram_axis(Canvas *c, int ix, int ay, int hw, const DashLayer *L, double lo_v, double hi_v,
                           int ncol) {
  char num[32];
  if (L->hist_log) {
    snprintf(num, sizeof num, "1e%.0f", floor(lo_v));
    canvas_text(c, ix, ay, num, ST_DIM, 7);
    const char *mid = "log|inertia|";
    int ml = (int)strlen(mid);
    if (hw > ml + 14) canvas_text(c, ix + (hw - ml) / 2, ay, mid, ST_DIM, ml);
    snprintf(num, sizeof num, "1e%.0f", ceil(hi_v));
  } else {
    fmt_short(num, sizeof num, lo_v);
    canvas_text(c, ix, ay, num, ST_DIM, 7);
    if (lo_v < 0 && hi_v > 0) canvas_put(c, ix + (int)(-lo_v / (hi_v - lo_v) * ncol), ay, '0', '0', ST_DIM);
    fmt_short(num, sizeof num, hi_v);
  }
  int nl = (int)strlen(num);
  canvas_text(c, ix + hw - nl, ay, num, ST_DIM, nl);
}

/* The histogram now in the hh rows of hr (its labels in the row below):
 * the occupied bins, stretched over the width. */
static void histogram(Canvas *c, Rect hr, const DashLayer *L) {
  int hh = hr.h, b0 = DASH_BINS, b1 = -1;
  uint32_t total = 0;
  for (int k = 0; k < DASH_BINS; k++)
    if (L->hist[k]) {
      if (b0 == DASH_BINS) b0 = k;
      b1 = k;
      total += L->hist[k];
    }
  if (total == 0) {
    canvas_text(c, hr.x, hr.y, "no statistics yet", ST_DIM, hr.w);
    return;
  }
  if (b1 - b0 < 3) b0 = b0 >= 2 ? b0 - 2 : 0, b1 = b1 + 2 < DASH_BINS ? b1 + 2 : DASH_BINS - 1;
  double width = (L->hist_hi - L->hist_lo) / DASH_BINS;
  double cols[512] = {0};
  int ncol = hr.w < 512 ? hr.w : 512;
  double maxc = spread_bins(L, b0, b1, cols, ncol);
  double lo_v = L->hist_lo + b0 * width, hi_v = L->hist_lo + (b1 + 1) * width;
  for (int col = 0; col < ncol; col++) {
    int eighths = (int)lround(cols[col] / maxc * hh * 8);
    if (cols[col] > 0 && eighths == 0) eighths = 1;
    double center = lo_v + (col + 0.5) * (hi_v - lo_v) / ncol;
    Style st;
    if (L->hist_log) {
      double t = (center - lo_v) / (hi_v - lo_v);
      st = (Style)(ST_FAN0 + (t < 0.25 ? 0 : t < 0.5 ? 1 : t < 0.75 ? 2 : 3));
    } else {
      double m = fmax(fabs(lo_v), fabs(hi_v)), q = fabs(center) / (m > 0 ? m : 1);
      st = weight_style(center, q < 0.1 ? 0 : q < 0.3 ? 1 : q < 0.6 ? 2 : 3);
    }
    for (int row = hh - 1; row >= 0 && eighths > 0; row--, eighths -= 8)
      canvas_vblock(c, hr.x + col, hr.y + row, eighths, st);
  }
  histogram_axis(c, hr.x, hr.y + hh, hr.w, L, lo_v, hi_v, ncol);
}

/* One time slice of the fan in column x of fr: each row shaded by the band
 * its value falls in, the median bright. */
static void fan_column(Canvas *c, Rect fr, int x, const float *b, double fan_m) {
  static const uint32_t shade_cp[4] = {0x2591, 0x2592, 0x2593, 0x2588};
  static const char shade_ascii[4] = {'.', '-', '=', '#'};
  int fh = fr.h, median_row = -1;
  for (int row = 0; row < fh; row++) {
    double hi = fan_m - 2 * fan_m * row / fh, lo = fan_m - 2 * fan_m * (row + 1) / fh;
    double v = 0.5 * (hi + lo);
    if (b[4] <= hi && b[4] > lo) median_row = row;
    int band = -1;
    for (int k = 0; k < 4; k++)
      if (v >= b[k] && v <= b[DASH_BANDS - 1 - k]) band = k;
    if (band < 0) continue;
    canvas_put(c, x, fr.y + row, shade_cp[band], shade_ascii[band], (Style)(ST_FAN0 + band));
  }
  if (median_row < 0) median_row = b[4] > 0 ? 0 : fh - 1;
  canvas_put(c, x, fr.y + median_row, 0x2588, '*', ST_MEDIAN);
}

/* The fan's time axis in row ay under fr: 0 and the steps at its right
 * edge, as the curves pane's. */
static void fan_axis(Canvas *c, Rect fr, int ay, double xmax) {
  char num[32];
  canvas_text(c, fr.x, ay, "0", ST_DIM, 1);
  fmt_count(num, sizeof num, xmax);
  int nl = (int)strlen(num);
  canvas_text(c, fr.x + fr.w - nl, ay, num, ST_DIM, nl);
}

/* The fan over time in fr (its scale labels left of it, from ix): one
 * column per time slice, from the last bucket ending in the slice. */
static void fan(Canvas *c, int ix, Rect fr, const DashSnapshot *s, size_t l) {
  double fan_m = fan_scale(s, l);
  char num[32];
  fmt_short(num, sizeof num, fan_m);
  canvas_text(c, ix, fr.y, num, ST_DIM, LABEL_W);
  canvas_put(c, ix, fr.y + fr.h / 2, '0', '0', ST_DIM);
  fmt_short(num, sizeof num, -fan_m);
  canvas_text(c, ix, fr.y + fr.h - 1, num, ST_DIM, LABEL_W);
  double xmax = dash_time_axis((double)s->step);
  size_t bi = 0;
  for (int col = 0; col < fr.w; col++) {
    double upto = xmax * (col + 1) / fr.w;
    if (xmax * col / fr.w >= (double)s->step) break;
    while (bi + 1 < s->n_hist && (double)s->hist[bi + 1].last <= upto + 0.5) bi++;
    if (s->n_hist == 0 || (double)s->hist[bi].first > upto + 0.5) continue;
    const float *b = s->hist[bi].bands[l];
    if (!isnan(b[0])) fan_column(c, fr, fr.x + col, b, fan_m);
  }
}

void view_inertia(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  size_t l = dash_layer_box(c, r, s, ui, PANE_INERTIA, "inertia");
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < LABEL_W + 6 || ih < 4 || l >= s->n_layers) return;
  /* the histogram and its labels, the fan and its time axis (when 3 rows
   * are left for the fan): the rows besides the labels shared evenly */
  int axis = ih >= 8, hh = (ih - 1 - axis) / 2, fh = ih - hh - 1 - axis;
  if (hh >= 1) histogram(c, (Rect){ix, iy, iw, hh}, &s->layer[l]);
  Rect fr = {ix + LABEL_W, iy + hh + 1, iw - LABEL_W, fh};
  if (fr.h >= 2) fan(c, ix, fr, s, l);
  if (fr.h >= 2 && axis) fan_axis(c, fr, fr.y + fr.h, dash_time_axis((double)s->step));
}
