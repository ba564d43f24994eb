/* dashboard.c — the whole screen: layout, panes, overlays; helpers the panes share. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "views/keys.h"
#include "views/views.h"

void dash_render(Canvas *c, const DashSnapshot *s, const DashUi *ui) {
  canvas_clear(c);
  Layout L;
  if (layout_compute(c->w, c->h, &L)) {
    view_too_small(c, DASH_MIN_W, DASH_MIN_H);
    return;
  }
  view_header(c, L.header, s, ui);
  if (ui->left == LEFT_BOUNDARY) {
    view_boundary(c, L.left, s, ui);
  } else if (ui->left == LEFT_SCOPE) {
    view_scope(c, L.left, s, ui);
  } else {
    view_curves(c, L.pane[PANE_CURVES], s, ui);
    view_flips(c, L.pane[PANE_FLIPS], s, ui);
    view_inertia(c, L.pane[PANE_INERTIA], s, ui);
  }
  view_weights(c, L.pane[PANE_WEIGHTS], s, ui);
  view_filter(c, L.pane[PANE_FILTER], s, ui);
  view_footer(c, L.footer, s, ui);
  view_overlay(c, s, ui);
}

void view_too_small(Canvas *c, int need_w, int need_h) {
  canvas_clear(c);
  char line[96];
  snprintf(line, sizeof line, "terminal too small: need %d x %d", need_w, need_h);
  int y = c->h / 2 - 1;
  int x = ((int)c->w - (int)strlen(line)) / 2;
  canvas_text(c, x > 0 ? x : 0, y > 0 ? y : 0, line, ST_WARN, c->w);
  snprintf(line, sizeof line, "(now %d x %d)  ", c->w, c->h);
  x = ((int)c->w - (int)strlen(line) - view_key_hints_width(DASH_IN_TOO_SMALL, 0)) / 2;
  if (x < 0) x = 0;
  x += canvas_text(c, x, (y > 0 ? y : 0) + 1, line, ST_DIM, c->w);
  view_key_hints(c, x, (y > 0 ? y : 0) + 1, c->w, DASH_IN_TOO_SMALL, 0);
}

/* First bucket whose last step is >= a (buckets are in step order). */
static size_t first_bucket(const DashBucket *h, size_t n, double a) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if ((double)h[mid].last < a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

double dash_series(const DashBucket *h, size_t n, Series what, size_t layer, double a, double b) {
  double sum = 0, steps = 0;
  for (size_t i = first_bucket(h, n, a); i < n && (double)h[i].first < b; i++) {
    const DashBucket *k = &h[i];
    switch (what) {
    case SERIES_LOSS: sum += k->loss; break;
    case SERIES_TRAIN: sum += k->train_acc; break;
    case SERIES_RATE: sum += k->rate; break;
    case SERIES_FLIPS: sum += k->flips[layer]; break;
    case SERIES_TEST:
      if (!isnan(k->test_acc)) return k->test_acc;
      continue;
    }
    steps += k->steps;
  }
  return steps > 0 ? sum / steps : NAN;
}

void dash_smooth(double *v, int n, double w) {
  double last = 0, wk = 1;
  for (int k = 0; k < n && w > 0; k++) {
    last = w * last + (1 - w) * v[k];
    wk *= w;
    v[k] = last / (1 - wk);
  }
}

double dash_time_axis(double n) {
  static const double nice[] = {1, 1.5, 2, 3, 4, 5, 6, 8};
  if (n <= 10) return 10;
  double decade = pow(10, floor(log10(n)));
  for (int i = 0; i < 8; i++)
    if (nice[i] * decade >= n) return nice[i] * decade;
  return 10 * decade;
}

static void append(char *buf, size_t len, const char *name, double v) {
  size_t used = strlen(buf);
  char num[32];
  fmt_num(num, sizeof num, v);
  if (used < len) snprintf(buf + used, len - used, "%s%s %s", used ? " " : "", name, num);
}

void dash_opt_summary(const OptConfig *c, char *buf, size_t len) {
  buf[0] = 0;
  switch (c->kind) {
  case OPT_CEMA: append(buf, len, "alpha", c->alpha), append(buf, len, "gamma", c->gamma); break;
  case OPT_SGD:
    append(buf, len, "lr", c->lr);
    append(buf, len, "wd", c->wd);
    if (c->momentum != 0) append(buf, len, "momentum", c->momentum);
    if (c->dampening != 0) append(buf, len, "dampening", c->dampening);
    if (c->clip != 0) append(buf, len, "clip", c->clip);
    break;
  case OPT_ADAM:
  case OPT_ADAMW:
    append(buf, len, "lr", c->lr);
    append(buf, len, "wd", c->wd);
    append(buf, len, "beta1", c->beta1);
    append(buf, len, "beta2", c->beta2);
    if (c->clip != 0) append(buf, len, "clip", c->clip);
    break;
  case OPT_BOP: append(buf, len, "gamma", c->gamma), append(buf, len, "tau", c->tau); break;
  case OPT_BOP2:
    append(buf, len, "gamma", c->gamma);
    append(buf, len, "tau", c->tau);
    append(buf, len, "sigma", c->sigma);
    if (c->unbiased && strlen(buf) + 10 < len) strcat(buf, " unbiased");
    break;
  case OPT_IIR:
    if (c->iir_biquad) {
      static const char *names[5] = {"b0", "b1", "b2", "a1", "a2"};
      for (int k = 0; k < 5; k++) append(buf, len, names[k], c->iir_coef[k]);
    } else {
      for (int k = 0; k < c->iir_sections; k++) {
        size_t used = strlen(buf);
        char num[32];
        fmt_num(num, sizeof num, c->iir_poles[k]);
        if (used < len) snprintf(buf + used, len - used, "%s%s", k ? "," : "poles ", num);
      }
    }
    break;
  default: break;
  }
  if (c->kind == OPT_SGD && c->decoupled_wd && strlen(buf) + 10 < len) strcat(buf, " decoupled");
  if (c->kind == OPT_SGD && c->nesterov && strlen(buf) + 10 < len) strcat(buf, " nesterov");
  int filter = c->kind == OPT_CEMA || c->kind == OPT_BOP || c->kind == OPT_BOP2 || c->kind == OPT_IIR;
  if (filter && c->state_init > 0) append(buf, len, "state-init", c->state_init);
}

void dash_opt_describe(const OptConfig *c, char *buf, size_t len) {
  char settings[160];
  dash_opt_summary(c, settings, sizeof settings);
  snprintf(buf, len, "%s%s%s", optim_ops(c->kind)->name, settings[0] ? " " : "", settings);
}

void dash_layer_name(const DashSnapshot *s, size_t l, char *buf, size_t len) {
  const DashLayer *L = l < s->n_layers ? &s->layer[l] : NULL;
  if (L && L->kernel) /* a convolution as its spec writes it, with its kernels' shape */
    snprintf(buf, len, "L%zu c%zu %zux%zux%zu", l + 1, L->out, L->kernel, L->kernel, L->in_ch);
  else if (L)
    snprintf(buf, len, "L%zu %zux%zu", l + 1, L->in, L->out);
  else
    snprintf(buf, len, "L%zu", l + 1);
}

size_t dash_layer_box(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui, Pane pane, const char *what) {
  size_t l = ui ? ui->layer : 0;
  char title[112], name[64], hotkey[2] = {(char)('1' + pane), 0};
  dash_layer_name(s, l, name, sizeof name);
  snprintf(title, sizeof title, "%s %s", what, name);
  canvas_box(c, r, hotkey, title, ui && ui->focus == pane);
  return l;
}

Style dash_layer_style(size_t l) { return (Style)(ST_L0 + (int)(l % 4)); }

Style dash_ghost_style(int colour) {
  int k = colour < 0 ? 0 : colour % DASH_GHOSTS;
  return k == 0 ? ST_GHOST : (Style)(ST_GHOST1 + k - 1);
}
