/* params.c — which optimizer settings the filter pane lists and how +/- move
 * them: rates and decays on a log scale (x 10^(1/4) per press), momenta and
 * poles linearly. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "views/dash.h"

#define F(field) offsetof(OptConfig, field)

const double dash_band_pct[DASH_BANDS] = {0, 7, 16, 31, 50, 69, 84, 93, 100};

static const DashParam cema[] = {
    {"alpha", F(alpha), 1, 0, 0, 1, 1e-4},
    {"gamma", F(gamma), 1, 0, 0, 1, 1e-3},
};
static const DashParam sgd[] = {
    {"lr", F(lr), 1, 0, 0, 1e6, 1e-3},
    {"wd", F(wd), 1, 0, 0, 1e6, 1e-5},
    {"momentum", F(momentum), 0, 0.05, 0, 0.99, 0},
    {"dampening", F(dampening), 0, 0.05, 0, 0.99, 0},
    {"clip", F(clip), 1, 0, 0, 1e6, 1e-2},
};
static const DashParam adam[] = {
    {"lr", F(lr), 1, 0, 0, 1e6, 1e-4},
    {"wd", F(wd), 1, 0, 0, 1e6, 1e-5},
    {"beta1", F(beta1), 0, 0.01, 0, 0.999, 0},
    {"beta2", F(beta2), 0, 0.001, 0, 0.9999, 0},
    {"eps", F(eps), 1, 0, 1e-12, 1, 1e-8},
    {"clip", F(clip), 1, 0, 0, 1e6, 1e-2},
};
static const DashParam bop[] = {
    {"gamma", F(gamma), 1, 0, 0, 1, 1e-4},
    {"tau", F(tau), 1, 0, 0, 1e6, 1e-8},
};
static const DashParam bop2[] = {
    {"gamma", F(gamma), 1, 0, 0, 1, 1e-4},
    {"tau", F(tau), 1, 0, 0, 1e6, 1e-8},
    {"sigma", F(sigma), 1, 0, 0, 1, 1e-4},
};
static const DashParam iir_poles[] = {
    {"pole1", F(iir_poles[0]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole2", F(iir_poles[1]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole3", F(iir_poles[2]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole4", F(iir_poles[3]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole5", F(iir_poles[4]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole6", F(iir_poles[5]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole7", F(iir_poles[6]), 0, 0.005, -0.999, 0.9999, 0},
    {"pole8", F(iir_poles[7]), 0, 0.005, -0.999, 0.9999, 0},
};
static const DashParam iir_biquad[] = {
    {"b0", F(iir_coef[0]), 0, 0.01, -1e3, 1e3, 0}, {"b1", F(iir_coef[1]), 0, 0.01, -1e3, 1e3, 0},
    {"b2", F(iir_coef[2]), 0, 0.01, -1e3, 1e3, 0}, {"a1", F(iir_coef[3]), 0, 0.005, -2, 2, 0},
    {"a2", F(iir_coef[4]), 0, 0.005, -1, 1, 0},
};

#define N(a) (sizeof a / sizeof *a)

size_t dash_params(const OptConfig *cfg, const DashParam **out) {
  switch (cfg->kind) {
  case OPT_CEMA: *out = cema; return N(cema);
  case OPT_SGD: *out = sgd; return N(sgd);
  case OPT_ADAM:
  case OPT_ADAMW: *out = adam; return N(adam);
  case OPT_BOP: *out = bop; return N(bop);
  case OPT_BOP2: *out = bop2; return N(bop2);
  case OPT_IIR:
    if (cfg->iir_biquad) {
      *out = iir_biquad;
      return N(iir_biquad);
    }
    *out = iir_poles;
    return cfg->iir_sections > 0 ? (size_t)cfg->iir_sections : 1;
  default: *out = NULL; return 0;
  }
}

const DashParam *dash_param_find(const OptConfig *cfg, const char *name) {
  const DashParam *ps;
  size_t n = dash_params(cfg, &ps);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(ps[i].name, name)) return &ps[i];
  return NULL;
}

double dash_param_get(const OptConfig *cfg, const DashParam *p) {
  return *(const double *)((const char *)cfg + p->offset);
}

void dash_param_set(OptConfig *cfg, const DashParam *p, double v) {
  *(double *)((char *)cfg + p->offset) = v;
}

double dash_param_nudge(const DashParam *p, double v, int dir) {
  if (p->log) {
    if (v == 0) v = dir > 0 ? p->first : 0;
    else v *= pow(10.0, 0.25 * dir);
    /* Keep round numbers round: 1e-3 -> 1.778e-3 -> 3.162e-3 -> 5.623e-3 -> 1e-2. */
    if (v != 0) {
      double e = log10(v) * 4, r = round(e);
      if (fabs(e - r) < 1e-6) v = pow(10.0, r / 4);
    }
  } else {
    v += dir * p->step;
    v = round(v * 1e9) / 1e9; /* no drift from repeated steps */
  }
  if (v < p->lo) v = p->lo;
  if (v > p->hi) v = p->hi;
  return v;
}

const char *dash_opt_name(OptKind kind) {
  static const char *names[OPT_KIND_COUNT] = {"cema", "adam", "adamw", "sgd", "bop", "bop2", "iir"};
  return kind < OPT_KIND_COUNT ? names[kind] : "?";
}

void dash_schedule_name(const Schedule *s, char *buf, size_t len) {
  static const char *kinds[] = {"const", "linear", "cosine", "step"};
  size_t used = (size_t)snprintf(buf, len, "%s", s->kind <= SCHED_STEP ? kinds[s->kind] : "?");
  for (size_t k = 0; s->kind == SCHED_STEP && k < s->n_milestones && used < len; k++)
    used += (size_t)snprintf(buf + used, len - used, "%c%zu", k ? ',' : ':', s->milestones[k]);
  if (s->per_step && s->kind != SCHED_CONST && used < len) snprintf(buf + used, len - used, "/step");
}
