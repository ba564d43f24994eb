/* settings.c — the table of optimizer settings (settings.h) and what reads it.
 *
 * Defaults: CEMA's are its authors' (alpha 1e-3, gamma 0.1), Bop's Larq's
 * (gamma 1e-4, tau 1e-8), Bop2's its authors' (gamma 1e-6, tau 1e-6, sigma
 * 1e-2); latent SGD's lr 0.1 and Adam's 1e-3 as in PyTorch's examples; the
 * IIR cascade 0.9, 0.999 equals CEMA's defaults as a filter.
 */
#include "engine/settings.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AT(field) offsetof(OptConfig, field)
#define K(kind) (1u << (kind))
#define LATENT (K(OPT_SGD) | K(OPT_ADAM) | K(OPT_ADAMW))
#define ADAMS (K(OPT_ADAM) | K(OPT_ADAMW))
#define FILTERS (K(OPT_CEMA) | K(OPT_BOP) | K(OPT_BOP2) | K(OPT_IIR))

static const char ema_why[] = "an EMA's rate; above 1 its pole 1 - rate leaves [0, 1)";

/* Rows with a value in [0, inf) or in (0, 1], and the IIR list elements. */
#define NONNEG 0, INFINITY, 0, 0
#define POSITIVE 0, INFINITY, 1, 0
#define RATE 0, 1, 1, 0
#define DECAY 0, 1, 0, 1
#define POLE(k, d)                                                                         \
  {"pole" #k, "IIR: pole of first-order section " #k, SETTING_REAL, K(OPT_IIR),            \
   AT(iir_poles[k - 1]), -1, 1, 1, 1, NULL, k, 0, 0.005, d, {{0, 0}}, k, "poles"}
#define COEF(name, k, lo, hi, step)                                                        \
  {name, "IIR biquad: coefficient " name, SETTING_REAL, K(OPT_IIR), AT(iir_coef[k - 1]),   \
   lo, hi, 0, 0, NULL, k, 0, step, 0, {{0, 0}}, k, "iir"}

static const OptSetting table[] = {
    {"alpha", "rate of the second EMA, whose sign is the weight's", SETTING_REAL, K(OPT_CEMA),
     AT(alpha), RATE, ema_why, 1, 1, 1e-4, 1e-3, {{0, 0}}, 0, NULL},
    {"gamma", "rate of the first EMA, Bop's only one", SETTING_REAL,
     K(OPT_CEMA) | K(OPT_BOP) | K(OPT_BOP2), AT(gamma), RATE, ema_why, 2, 1, 1e-3, 0.1,
     {{OPT_BOP, 1e-4}, {OPT_BOP2, 1e-6}}, 0, NULL},
    {"tau", "flip threshold: b flips when |m| > tau against its sign", SETTING_REAL,
     K(OPT_BOP) | K(OPT_BOP2), AT(tau), NONNEG, NULL, 3, 1, 1e-8, 1e-8, {{OPT_BOP2, 1e-6}}, 0,
     NULL},
    {"sigma", "rate of the second-moment EMA", SETTING_REAL, K(OPT_BOP2), AT(sigma), RATE, ema_why,
     4, 1, 1e-4, 1e-2, {{0, 0}}, 0, NULL},
    {"lr", "learning rate of the latent weights", SETTING_REAL, LATENT, AT(lr), POSITIVE,
     "at 0 the latent weights never move", 1, 1, 1e-3, 1e-3, {{OPT_SGD, 0.1}}, 0, NULL},
    {"beta1", "first-moment decay", SETTING_REAL, ADAMS, AT(beta1), DECAY, NULL, 3, 0, 0.01, 0.9,
     {{0, 0}}, 0, NULL},
    {"beta2", "second-moment decay", SETTING_REAL, ADAMS, AT(beta2), DECAY, NULL, 4, 0, 0.001,
     0.999, {{0, 0}}, 0, NULL},
    {"eps", "added to the second moment's root", SETTING_REAL, ADAMS, AT(eps), POSITIVE, NULL, 5, 1,
     1e-8, 1e-8, {{0, 0}}, 0, NULL},
    {"momentum", "momentum", SETTING_REAL, K(OPT_SGD), AT(momentum), DECAY, NULL, 3, 0, 0.05, 0,
     {{0, 0}}, 0, NULL},
    {"dampening", "dampening of the momentum", SETTING_REAL, K(OPT_SGD), AT(dampening), DECAY, NULL,
     4, 0, 0.05, 0, {{0, 0}}, 0, NULL},
    {"wd", "weight decay: L2, or decoupled (decoupled-wd, and always in AdamW)", SETTING_REAL, LATENT,
     AT(wd), NONNEG, NULL, 2, 1, 1e-5, 0, {{0, 0}}, 0, NULL},
    {"init-scale", "latent init: |w0| ~ U(0, scale), sign kept", SETTING_REAL, LATENT,
     AT(init_scale), NONNEG, NULL, 0, 1, 1e-3, 3e-2, {{0, 0}}, 0, NULL},
    {"clip", "clip latent weights to [-clip, clip], 0: off", SETTING_REAL, LATENT, AT(clip), NONNEG,
     NULL, 6, 1, 1e-2, 0, {{0, 0}}, 0, NULL},
    {"state-init", "the filter output starts at -S b, not 0", SETTING_REAL, FILTERS,
     AT(state_init), NONNEG, NULL, 0, 1, 1e-3, 0, {{0, 0}}, 0, NULL},
    POLE(1, 0.9), POLE(2, 0.999), POLE(3, 0), POLE(4, 0),
    POLE(5, 0), POLE(6, 0), POLE(7, 0), POLE(8, 0),
    COEF("b0", 1, -INFINITY, INFINITY, 0.01), COEF("b1", 2, -INFINITY, INFINITY, 0.01),
    COEF("b2", 3, -INFINITY, INFINITY, 0.01), COEF("a1", 4, -2, 2, 0.005),
    COEF("a2", 5, -1, 1, 0.005),
    {"nesterov", "Nesterov momentum", SETTING_FLAG, K(OPT_SGD), AT(nesterov), 0, 1, 0, 0, NULL, 0,
     0, 0, 0, {{0, 0}}, 0, NULL},
    {"decoupled-wd", "decouple weight decay from the gradient", SETTING_FLAG, K(OPT_SGD),
     AT(decoupled_wd), 0, 1, 0, 0, NULL, 0, 0, 0, 0, {{0, 0}}, 0, NULL},
    {"unbiased", "the authors' unbiased form: compare (m/gamma) / (sqrt(v/sigma) + 1e-10) with tau",
     SETTING_FLAG, K(OPT_BOP2), AT(unbiased), 0, 1, 0, 0, NULL, 0, 0, 0, 0, {{0, 0}}, 0, NULL},
};

#define TABLE_SIZE (sizeof table / sizeof *table)

const OptSetting *settings_table(size_t *count) {
  *count = TABLE_SIZE;
  return table;
}

const OptSetting *setting_lookup(const char *name, size_t len) {
  for (size_t i = 0; i < TABLE_SIZE; i++)
    if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0) return &table[i];
  return NULL;
}

int setting_applies(const OptSetting *s, const OptConfig *cfg) {
  if (!(s->kinds & K(cfg->kind))) return 0;
  if (!s->element) return 1;
  if (!strcmp(s->list, "iir")) return cfg->iir_biquad;
  return !cfg->iir_biquad && s->element <= (cfg->iir_sections > 0 ? cfg->iir_sections : 1);
}

/* The filter pane's places run from 1 to this (the eight IIR poles). */
#define PANE_PLACES OPT_MAX_SECTIONS

size_t settings_live(const OptConfig *cfg, const OptSetting **out, size_t max) {
  size_t n = 0;
  for (int place = 1; place <= PANE_PLACES; place++)
    for (size_t i = 0; i < TABLE_SIZE; i++)
      if (table[i].pane == place && setting_applies(&table[i], cfg) && n < max) out[n++] = &table[i];
  return n;
}

const OptSetting *setting_live(const OptConfig *cfg, const char *name) {
  const OptSetting *s = setting_lookup(name, strlen(name));
  return s && s->pane && setting_applies(s, cfg) ? s : NULL;
}

double setting_get(const OptSetting *s, const OptConfig *cfg) {
  const char *field = (const char *)cfg + s->offset;
  return s->type == SETTING_FLAG ? *(const int *)field : *(const double *)field;
}

void setting_set(const OptSetting *s, OptConfig *cfg, double v) {
  char *field = (char *)cfg + s->offset;
  if (s->type == SETTING_FLAG) *(int *)field = v != 0;
  else *(double *)field = v;
}

double setting_default(const OptSetting *s, OptKind kind) {
  for (int e = 0; e < SETTING_MAX_EXCEPTIONS && s->except[e].value != 0; e++)
    if (s->except[e].kind == kind) return s->except[e].value;
  return s->def;
}

int setting_accepts(const OptSetting *s, double v) {
  if (s->type == SETTING_FLAG) return v == 0 || v == 1;
  if (!isfinite(v)) return 0;
  return (s->lo_open ? v > s->lo : v >= s->lo) && (s->hi_open ? v < s->hi : v <= s->hi);
}

void setting_range_text(const OptSetting *s, char *buf, size_t len) {
  if (s->type == SETTING_FLAG || (isinf(s->lo) && isinf(s->hi))) snprintf(buf, len, "%s", "");
  else if (isinf(s->hi)) snprintf(buf, len, "%s %g", s->lo_open ? ">" : ">=", s->lo);
  else
    snprintf(buf, len, "in %c%g, %g%c", s->lo_open ? '(' : '[', s->lo, s->hi, s->hi_open ? ')' : ']');
}

/* v moved one log step (x 10^(dir/4)); round numbers stay round:
 * 1e-3 -> 1.778e-3 -> 3.162e-3 -> 5.623e-3 -> 1e-2. */
static double log_step(const OptSetting *s, double v, int dir) {
  if (v == 0) return dir > 0 ? s->step : 0;
  v *= pow(10.0, 0.25 * dir);
  double e = log10(fabs(v)) * 4, r = round(e);
  if (fabs(e - r) < 1e-6) v = copysign(pow(10.0, r / 4), v);
  return v;
}

double setting_nudge(const OptSetting *s, double v, int dir) {
  double old = v;
  if (s->type == SETTING_FLAG) return dir > 0;
  if (s->log) v = log_step(s, v, dir);
  else v = round((v + dir * s->step) * 1e9) / 1e9; /* no drift from repeated steps */
  if (setting_accepts(s, v)) return v;
  double bound = v < s->lo ? s->lo : s->hi;
  int open = v < s->lo ? s->lo_open : s->hi_open;
  if (!open) return bound;
  if (s->log) return old;
  double inside = bound - 0.1 * s->step * (bound == s->lo ? -1 : 1);
  return setting_accepts(s, inside) ? inside : old;
}
