/* view_filter.c — the optimizer as a filter: its editable settings (the
 * selected one highlighted), the equivalent CEMA pair or why there is none,
 * the magnitude response |H(e^jw)| on log frequency with the -3 dB cut-off,
 * and the predicted white-noise flip rate beside the measured one. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/settings.h"
#include "views/views.h"

#define DB_TOP 5.0
#define DB_BOTTOM -60.0
#define NAME_W 10 /* a setting's name column */

static void equivalent_line(const DashFilter *f, char *buf, size_t len) {
  char a[24], g[24];
  if (!f->valid) {
    snprintf(buf, len, "refused: %s", f->note);
  } else if (!f->linear) {
    snprintf(buf, len, "no linear filter: %s", f->note[0] ? f->note : "adaptive step size");
  } else if (f->integrator) {
    snprintf(buf, len, "integrator (no decay): infinite memory");
  } else if (!f->real_poles) {
    /* radius: the decay per step; angle: the ringing frequency in rad/step */
    double r = hypot(f->pole_re[0], f->pole_im[0]), w = fabs(atan2(f->pole_im[0], f->pole_re[0]));
    snprintf(buf, len, "complex poles r %.3g w %.3g: no EMA pair", r, w);
  } else if (!isnan(f->alpha)) {
    fmt_num(a, sizeof a, f->alpha);
    fmt_num(g, sizeof g, f->gamma);
    /* \x01 and \x02 stand for alpha and gamma: Greek in UTF-8, a and g in ASCII */
    snprintf(buf, len, "%s \x01 %s \x02 %s", f->cema ? "= cema" : "~ cema", a, g);
  } else {
    snprintf(buf, len, "order-%d filter", f->order);
  }
}

/* The column of the -3 dB cut-off in the plot pr, or -1 when there is none
 * or it lies outside the plotted frequencies. */
static int cutoff_column(const DashFilter *f, Rect pr) {
  if (!isfinite(f->cutoff) || f->cutoff <= 0) return -1;
  double t = (log10(f->cutoff) - log10(f->w[0])) / (log10(f->w[f->n - 1]) - log10(f->w[0]));
  return t >= 0 && t <= 1 ? pr.x + (int)(t * (pr.w - 1) + 0.5) : -1;
}

static void response_plot(Canvas *c, Rect pr, const DashFilter *f) {
  if (pr.h < 1 || pr.w < 4 || f->n < 2) return;
  Braille b;
  braille_begin(&b, c, pr);
  double lw0 = log10(f->w[0]), lw1 = log10(f->w[f->n - 1]);
  int cols = 2 * pr.w, rows = 4 * pr.h, have = 0, lx = 0, ly = 0;
  size_t k = 0;
  for (int px = 0; px < cols; px++) {
    double lw = lw0 + (lw1 - lw0) * (px + 0.5) / cols;
    while (k + 1 < (size_t)f->n && log10(f->w[k + 1]) < lw) k++;
    double db = f->db[k];
    if (k + 1 < (size_t)f->n) {
      double t = (lw - log10(f->w[k])) / (log10(f->w[k + 1]) - log10(f->w[k]));
      if (t > 0 && t < 1 && isfinite(f->db[k + 1])) db += t * (f->db[k + 1] - db);
    }
    if (!isfinite(db)) db = DB_BOTTOM;
    double t = (DB_TOP - db) / (DB_TOP - DB_BOTTOM);
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    int y = (int)lround(t * (rows - 1));
    if (have) braille_line(&b, lx, ly, px, y, ST_RESP);
    else braille_set(&b, px, y, ST_RESP);
    have = 1, lx = px, ly = y;
  }
  braille_blit(&b, c);
  int x = cutoff_column(f, pr);
  for (int y = pr.y; x >= 0 && y < pr.y + pr.h; y++) {
    Cell *cell = canvas_at(c, x, y);
    if (cell && cell->cp == ' ') canvas_put(c, x, y, 0x250a, ':', ST_CUTOFF);
  }
}

/* One row of the pane at (x, y), w wide: a setting's name, its value and,
 * when selected in the focused pane, how +/- step it. */
static void setting_row(Canvas *c, int x, int y, int w, const char *name, const char *value,
                        const char *hint, int sel, int focused, int pending) {
  Style st = sel && focused ? ST_SELECT : ST_TEXT;
  if (sel && focused) canvas_fill(c, (Rect){x, y, w, 1}, ' ', ' ', ST_SELECT);
  canvas_text(c, x, y, sel ? ">" : " ", sel ? (focused ? ST_SELECT : ST_KEY) : ST_TEXT, 1);
  canvas_text(c, x + 2, y, name, st, NAME_W);
  Style vs = sel && focused ? ST_SELECT : pending ? ST_WARN : ST_VALUE;
  canvas_text(c, x + 2 + NAME_W, y, value, vs, w - 2 - NAME_W);
  int hl = (int)strlen(hint);
  if (sel && focused && w - 2 - NAME_W - (int)strlen(value) > hl + 1)
    canvas_text(c, x + w - hl, y, hint, ST_SELECT, hl);
}

/* A run's length (steps, 0: none) as the pane writes it in room columns:
 * "3600 = 6 ep" (the steps alone when that does not fit), "none: until q". */
static void length_text(char *buf, size_t len, size_t length, size_t steps_per_epoch, int room) {
  if (!length) {
    snprintf(buf, len, "none: until q");
    return;
  }
  if (steps_per_epoch && length % steps_per_epoch == 0 &&
      snprintf(buf, len, "%zu = %zu ep", length, length / steps_per_epoch) <= room)
    return;
  snprintf(buf, len, "%zu", length);
}

/* The settings in the rows of in, one each, then the run's length (the
 * row after them): the selected one highlighted, with its step when the
 * pane is focused; returns the next row. */
static int settings_rows(Canvas *c, Rect in, const OptConfig *opt, const DashSnapshot *s,
                         const DashUi *ui, int focused) {
  const OptSetting *ps[SETTINGS_LIVE_MAX];
  size_t np = settings_live(opt, ps, SETTINGS_LIVE_MAX);
  char num[32];
  int y = in.y;
  for (size_t i = 0; i <= np && y < in.y + in.h; i++, y++) {
    int sel = ui && (size_t)ui->param == i;
    if (i == np) {
      int pending = ui && ui->length_pending;
      length_text(num, sizeof num, pending ? ui->length : s->total_steps, s->steps_per_epoch,
                  in.w - 2 - NAME_W);
      setting_row(c, in.x, y, in.w, "length", num, "x10^.25", sel, focused, pending);
      continue;
    }
    fmt_num(num, sizeof num, setting_get(ps[i], opt));
    setting_row(c, in.x, y, in.w, ps[i]->name, num, ps[i]->log ? "x10^.25" : "+-step", sel, focused,
                ui && ui->pending);
  }
  return y;
}

/* The equivalent filter (or why there is none) in w cells at (x, y), alpha
 * and gamma as Greek letters. */
static void equivalent_row(Canvas *c, int x, int y, int w, const DashFilter *f) {
  char buf[DASH_TEXT + 32];
  equivalent_line(f, buf, sizeof buf);
  Style es = f->valid && f->linear && f->real_poles ? ST_TEXT : ST_WARN;
  for (int k = 0; buf[k] && k < w; k++) {
    char ch = buf[k];
    if (ch == 1) canvas_put(c, x + k, y, 0x03b1, 'a', ST_VALUE);
    else if (ch == 2) canvas_put(c, x + k, y, 0x03b3, 'g', ST_VALUE);
    else canvas_put(c, x + k, y, (uint32_t)(unsigned char)ch, ch, es);
  }
}

/* The magnitude response in plot_h rows from y, dB labels on the left,
 * and below it the w axis: the lowest frequency, pi, '^' under the cut-off. */
static void response_rows(Canvas *c, int ix, int y, int iw, int plot_h, const DashFilter *f) {
  Rect pr = {ix + 4, y, iw - 4, plot_h};
  canvas_text(c, ix, y, "0dB", ST_DIM, 3);
  canvas_text(c, ix, y + plot_h - 1, "-60", ST_DIM, 3);
  response_plot(c, pr, f);
  int ay = y + plot_h, mark = cutoff_column(f, pr);
  char num[32];
  snprintf(num, sizeof num, "%.0e", f->w[0]);
  int nl = (int)strlen(num);
  if (mark < 0 || mark > pr.x + nl) canvas_text(c, pr.x, ay, num, ST_DIM, nl);
  canvas_text(c, pr.x + pr.w - 2, ay, "pi", ST_DIM, 2);
  canvas_text(c, ix, ay, "w", ST_DIM, 1);
  if (mark >= 0) canvas_put(c, mark, ay, '^', '^', ST_CUTOFF);
}

/* In lines rows (1 or 2) from y: the cut-off (with 2), then the flips per
 * weight per step predicted for white-noise gradients and measured now. */
static void rate_rows(Canvas *c, int ix, int y, int iw, int lines, const DashFilter *f, const DashSnapshot *s) {
  char pred[24], meas[24], num[32], buf[64];
  fmt_percent(pred, sizeof pred, f->valid ? f->flip_white : NAN);
  fmt_percent(meas, sizeof meas, s->flip_ratio);
  if (f->valid && isfinite(f->cutoff)) {
    fmt_num(num, sizeof num, f->cutoff);
    snprintf(buf, sizeof buf, "cut-off %s rad/step", num);
  } else {
    snprintf(buf, sizeof buf, "cut-off -");
  }
  if (lines >= 2) {
    canvas_text(c, ix, y, buf, ST_CUTOFF, iw);
    y++;
  }
  if (lines >= 1) {
    int wide = iw >= 12 + (int)strlen(pred) + 10 + (int)strlen(meas);
    int x = ix;
    x += canvas_text(c, x, y, wide ? "flips white " : "white ", ST_DIM, iw);
    x += canvas_text(c, x, y, pred, ST_VALUE, ix + iw - x);
    x += canvas_text(c, x, y, wide ? " measured " : " seen ", ST_DIM, ix + iw - x);
    canvas_text(c, x, y, meas, ST_VALUE, ix + iw - x);
  }
}

void view_filter(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  const OptConfig *opt = ui ? &ui->opt : &s->opt;
  char title[48];
  snprintf(title, sizeof title, "filter %s", dash_opt_name(opt->kind));
  int focused = ui && ui->focus == PANE_FILTER;
  canvas_box(c, r, "5", title, focused);
  int ix = r.x + 1, iy = r.y + 1, iw = r.w - 2, ih = r.h - 2;
  if (iw < 12 || ih < 3) return;
  int y = settings_rows(c, (Rect){ix, iy, iw, ih}, opt, s, ui, focused);
  if (y >= iy + ih) return;
  const DashFilter *f = ui ? &ui->filter : NULL;
  if (!f) return;
  equivalent_row(c, ix, y++, iw, f);
  /* the schedule has moved the rate: the filter above is the one of now */
  if (fabs(f->factor - 1) > 1e-3 && y < iy + ih - 3) {
    char k[24], buf[64];
    fmt_num(k, sizeof k, f->factor);
    snprintf(buf, sizeof buf, "now x %s (schedule)", k);
    canvas_text(c, ix, y++, buf, ST_DIM, iw);
  }
  /* bottom lines: cut-off and flip rates, then the plot fills what is left */
  int left = iy + ih - y;
  int info_lines = left >= 6 ? 2 : left >= 2 ? 1 : left;
  int plot_h = left - info_lines - 1; /* one row of frequency labels */
  if (plot_h >= 2 && f->valid && f->linear) {
    response_rows(c, ix, y, iw, plot_h, f);
    y += plot_h + 1;
  }
  rate_rows(c, ix, y, iw, info_lines, f, s);
}
