/* optim_switch.c — switching the binary-weight optimizer mid-run (the TUI's
 * "switch optimizer"), mapping the state so the binary weights carry on.
 *
 * Exact mappings (the new optimizer flips exactly as the old one would have):
 *   latent SGD with a CEMA equivalent -> that CEMA:  i = -k w,  m = m_buf buf + m_w w
 *   CEMA -> latent SGD with that equivalent:         w = -i / k, buf = (m - m_w w) / m_buf
 *     (k, m_buf, m_w from filter.h; exact when the CEMA's (alpha, gamma) are the
 *      SGD's equivalent, and the step count carries on so PyTorch's first-step
 *      rule does not fire again)
 *   Bop(tau = 0) <-> CEMA(alpha = 1, same gamma):    m = m, i = m (constant schedule)
 *   the same optimizer with the same settings:       every state copied
 * Anything else is approximate: the sign-deciding state (inertia) is carried
 * over in the new optimizer's units (i = -k w, k = wd or 1/lr for Adam) and
 * zeroed where it would contradict b; an EMA of the gradient (CEMA's or Bop's
 * m, SGD's buffer, Adam's m) is carried to a CEMA or SGD; Adam's moments and
 * the remaining states start at zero.
 * optim_switch_verdict is the rule (exact or not, and what is mapped);
 * optim_switch_target picks the settings a switch to another kind goes to,
 * and the live view's optimizer menu shows its verdict.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/filter.h"
#include "engine/optim.h"

static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

static int same_settings(const OptConfig *a, const OptConfig *b) {
  int same = a->kind == b->kind && a->alpha == b->alpha && a->gamma == b->gamma &&
             a->tau == b->tau && a->sigma == b->sigma && a->lr == b->lr && a->beta1 == b->beta1 &&
             a->beta2 == b->beta2 && a->eps == b->eps && a->momentum == b->momentum &&
             a->dampening == b->dampening && a->wd == b->wd && a->nesterov == b->nesterov &&
             a->decoupled_wd == b->decoupled_wd && a->clip == b->clip && a->unbiased == b->unbiased &&
             a->iir_sections == b->iir_sections && a->iir_biquad == b->iir_biquad;
  for (int k = 0; same && k < a->iir_sections; k++) same = a->iir_poles[k] == b->iir_poles[k];
  for (int k = 0; same && a->iir_biquad && k < 5; k++) same = a->iir_coef[k] == b->iir_coef[k];
  return same;
}

/* PyTorch's first momentum step (buf = g', ignoring dampening) is still to come. */
static int first_step_pending(const OptConfig *c, uint64_t t) {
  return c->kind == OPT_SGD && t == 0 && c->momentum != 0 && c->dampening != 0;
}

/* SGD's buffer in gradient-EMA units: m = buf (1 - mu) / (1 - dampening). */
static double sgd_buf_to_m(const OptConfig *c) {
  return c->momentum != 0 ? (1 - c->momentum) / (1 - c->dampening) : 0;
}

typedef struct {
  const OptConfig *cfg;
  const Filter *f;
  float *const *state;
} Side;

/* Latent SGD <-> its CEMA, with the filter's state map. */
static void map_sgd_cema(const Side *sgd, const Side *cema, int to_cema, size_t n) {
  const Filter *f = sgd->f;
  float *w = sgd->state[0], *buf = sgd->state[1], *m = cema->state[0], *i = cema->state[1];
  for (size_t j = 0; j < n; j++) {
    if (to_cema) {
      i[j] = (float)(-f->k * w[j]);
      m[j] = (float)(f->m_buf * buf[j] + f->m_w * w[j]);
    } else {
      w[j] = (float)(-i[j] / f->k);
      buf[j] = f->m_buf != 0 ? (float)((m[j] - f->m_w * (double)w[j]) / f->m_buf) : 0.0f;
    }
  }
}

/* Which state of c is an EMA of the gradient (CEMA's or Bop's m, SGD's
 * momentum buffer, Adam's m), or -1 where there is none. */
static int ema_state(const OptConfig *c) {
  switch (c->kind) {
  case OPT_CEMA: case OPT_BOP: case OPT_BOP2: return 0;
  case OPT_ADAM: case OPT_ADAMW: return 1;
  case OPT_SGD: return c->momentum != 0 ? 1 : -1;
  default: return -1;
  }
}

/* Whether the approximate map carries a gradient EMA of `from` into `to`'s m
 * or momentum buffer. */
static int carries_ema(const OptConfig *from, const OptConfig *to) {
  return ema_state(from) >= 0 && (to->kind == OPT_CEMA || (to->kind == OPT_SGD && to->momentum != 0));
}

/* The approximate map of one layer (see the header comment). */
static void map_approx(const Side *a, const Side *b, const float *sign, size_t n) {
  const OptimizerOps *oa = optim_ops(a->cfg->kind), *ob = optim_ops(b->cfg->kind);
  const double ka = oa->latent ? filter_latent_k(a->cfg, a->f) : 1;
  const double kb = ob->latent ? filter_latent_k(b->cfg, b->f) : 1;
  const int e = ema_state(a->cfg);
  const float *ema = e >= 0 ? a->state[e] : NULL;
  const double ema_scale = a->cfg->kind == OPT_SGD ? sgd_buf_to_m(a->cfg) : 1;
  const float *xa = a->state[oa->inertia_state];
  float *xb = b->state[ob->inertia_state];
  const int carried = carries_ema(a->cfg, b->cfg);
  for (size_t j = 0; j < n; j++) {
    double y = oa->latent ? -ka * xa[j] : xa[j]; /* filter units: b = -sign(y) */
    if (y * sign[j] > 0) y = 0;
    xb[j] = (float)(ob->latent ? -y / kb : y);
    double m = ema ? ema_scale * ema[j] : y;
    switch (b->cfg->kind) {
    case OPT_CEMA: b->state[0][j] = (float)m; break;
    case OPT_SGD:
      if (carried) b->state[1][j] = (float)(m / sgd_buf_to_m(b->cfg));
      break;
    case OPT_IIR:
      for (int k = 1; !b->cfg->iir_biquad && k < b->cfg->iir_sections; k++) b->state[k][j] = (float)y;
      break;
    default: break;
    }
  }
}

/* How one optimizer's state becomes another's. */
typedef enum { ROUTE_SAME, ROUTE_SGD_TO_CEMA, ROUTE_CEMA_TO_SGD, ROUTE_BOP_CEMA, ROUTE_APPROX } Route;

static Route route_of(OptKind a, OptKind b, const Filter *fa, const Filter *fb) {
  if (a == b) return ROUTE_SAME;
  if (a == OPT_SGD && b == OPT_CEMA && fa->cema) return ROUTE_SGD_TO_CEMA;
  if (a == OPT_CEMA && b == OPT_SGD && fb->cema) return ROUTE_CEMA_TO_SGD;
  if ((a == OPT_BOP && b == OPT_CEMA) || (a == OPT_CEMA && b == OPT_BOP)) return ROUTE_BOP_CEMA;
  return ROUTE_APPROX;
}

/* Fills out: whether the route is exact for these settings, and what it does. */
static void describe(Route r, const OptConfig *from, const OptConfig *to, const Filter *fa,
                     const Filter *fb, uint64_t t, OptSwitch *out) {
  const char *na = optim_ops(from->kind)->name, *nb = optim_ops(to->kind)->name;
  switch (r) {
  case ROUTE_SAME:
    out->exact = same_settings(from, to);
    snprintf(out->message, sizeof out->message, "%s: every state kept%s", na,
             out->exact ? "" : "; the new settings change the trajectory from here");
    return;
  case ROUTE_SGD_TO_CEMA:
  case ROUTE_CEMA_TO_SGD: {
    const int to_cema = r == ROUTE_SGD_TO_CEMA;
    const Filter *f = to_cema ? fa : fb;
    const OptConfig *cema = to_cema ? to : from, *sgd = to_cema ? from : to;
    const int same_filter = close_to(cema->alpha, f->alpha) && close_to(cema->gamma, f->gamma);
    const int pending = first_step_pending(sgd, t);
    out->exact = same_filter && !pending;
    snprintf(out->message, sizeof out->message,
             "%s -> %s: i = %.6g w, m = %.6g buf %+.6g w; %s (the sgd's equivalent is cema alpha "
             "%.6g, gamma %.6g%s)",
             na, nb, -f->k, f->m_buf, f->m_w,
             out->exact  ? "exact"
             : !same_filter ? "approximate: the filters differ"
                            : "approximate: PyTorch's first momentum step is still to come",
             f->alpha, f->gamma,
             sgd->momentum != 0 && !sgd->decoupled_wd ? "; coupled decay: under a constant lr" : "");
    return;
  }
  case ROUTE_BOP_CEMA: {
    const OptConfig *bop = from->kind == OPT_BOP ? from : to, *cema = from->kind == OPT_BOP ? to : from;
    out->exact = bop->tau == 0 && cema->alpha == 1 && cema->gamma == bop->gamma;
    snprintf(out->message, sizeof out->message,
             "%s -> %s: m kept%s; %s (bop with tau = 0 is cema with alpha = 1 under a constant "
             "schedule)",
             na, nb, to->kind == OPT_CEMA ? ", i = m" : "", out->exact ? "exact" : "approximate");
    return;
  }
  case ROUTE_APPROX:
    out->exact = 0;
    snprintf(out->message, sizeof out->message,
             "%s -> %s, approximate: kept the binary weights and the inertia's sign (magnitude "
             "rescaled, zeroed where it disagreed with b); %s; other state starts at zero",
             na, nb,
             to->kind == OPT_ADAM || to->kind == OPT_ADAMW ? "Adam's moments restart"
             : carries_ema(from, to) ? "the gradient EMA was carried over" : "no gradient EMA to carry over");
    return;
  }
}

/* The verdict (see optim_switch_verdict) with the filters of both settings
 * in fa, fb and the route in *route. */
static int judge(const OptConfig *from, const OptConfig *to, uint64_t t, Filter *fa, Filter *fb,
                 Route *route, OptSwitch *out, char *err, size_t errlen) {
  if (filter_from_config(to, fb, err, errlen) || filter_from_config(from, fa, err, errlen))
    return -1;
  *route = route_of(from->kind, to->kind, fa, fb);
  memset(out, 0, sizeof *out);
  describe(*route, from, to, fa, fb, t, out);
  return 0;
}

int optim_switch_verdict(const OptConfig *from, const OptConfig *to, uint64_t t, OptSwitch *out,
                         char *err, size_t errlen) {
  Filter fa, fb;
  Route route;
  return judge(from, to, t, &fa, &fb, &route, out, err, errlen);
}

/* Sets the settings of to->kind (its defaults in to) that continue `from`
 * (filter f, valid when have) on an exact route: latent SGD with a CEMA
 * equivalent -> that CEMA; CEMA -> latent SGD with EMA-style momentum
 * (dampening = momentum) and decoupled wd, alpha = lr wd, gamma = 1 - mu;
 * CEMA(alpha = 1) -> Bop(tau = 0). Returns 0 (to unchanged) where there is none. */
static int equivalent_settings(const OptConfig *from, const Filter *f, int have, OptConfig *to) {
  if (from->kind == OPT_SGD && to->kind == OPT_CEMA && have && f->cema) {
    to->alpha = f->alpha;
    to->gamma = f->gamma;
    return 1;
  }
  if (from->kind == OPT_CEMA && to->kind == OPT_SGD) {
    to->lr = 0.1;
    to->wd = from->alpha / to->lr;
    to->momentum = to->dampening = from->gamma < 1 ? 1 - from->gamma : 0;
    to->decoupled_wd = to->momentum != 0;
    return 1;
  }
  if (from->kind == OPT_CEMA && to->kind == OPT_BOP && from->alpha == 1) {
    to->gamma = from->gamma;
    to->tau = 0;
    return 1;
  }
  return 0;
}

/* Sets what carries over from `from` (filter f, valid when have) into
 * to->kind's defaults in to, where there is no exact equivalent. */
static void carry_over(const OptConfig *from, const Filter *f, int have, OptConfig *to) {
  switch (to->kind) {
  case OPT_CEMA:
    if (from->kind == OPT_BOP || from->kind == OPT_BOP2) to->alpha = 1, to->gamma = from->gamma;
    else if (have && !isnan(f->alpha) && f->alpha > 0) to->alpha = f->alpha, to->gamma = f->gamma;
    break;
  case OPT_SGD:
    if (from->kind == OPT_ADAM || from->kind == OPT_ADAMW) to->wd = from->wd;
    break;
  case OPT_BOP:
  case OPT_BOP2:
    if (from->kind == OPT_BOP || from->kind == OPT_BOP2 || from->kind == OPT_CEMA) to->gamma = from->gamma;
    if (from->kind == OPT_BOP || from->kind == OPT_BOP2) to->tau = from->tau;
    break;
  case OPT_ADAM:
  case OPT_ADAMW:
    if (from->kind == OPT_ADAM || from->kind == OPT_ADAMW) to->lr = from->lr, to->wd = from->wd;
    break;
  case OPT_IIR:
    if (have && f->real_poles && f->stable && f->order >= 1 && f->order <= OPT_MAX_SECTIONS) {
      to->iir_biquad = 0;
      to->iir_sections = f->order;
      for (int k = 0; k < f->order; k++) to->iir_poles[k] = f->pole_re[k];
    }
    break;
  default: break;
  }
}

void optim_switch_target(const OptConfig *from, OptKind kind, uint64_t t, OptConfig *to,
                         OptSwitch *verdict) {
  Filter f;
  char err[256];
  const int have = filter_from_config(from, &f, err, sizeof err) == 0 && f.linear;
  if (kind == from->kind) {
    *to = *from;
  } else {
    optim_defaults(kind, to);
    if (!equivalent_settings(from, &f, have, to)) carry_over(from, &f, have, to);
  }
  if (optim_switch_verdict(from, to, t, verdict, err, sizeof err)) {
    memset(verdict, 0, sizeof *verdict);
    snprintf(verdict->message, sizeof verdict->message, "%s", err);
  }
}

int optim_switch(Optimizer *o, const OptConfig *to, const float *const *signs, OptSwitch *out,
                 char *err, size_t errlen) {
  const OptConfig *from = optim_config(o);
  const size_t layers = optim_layers(o);
  const uint64_t t = optim_steps(o);
  Filter fa, fb;
  Route route;
  if (judge(from, to, t, &fa, &fb, &route, out, err, errlen)) return -1;
  size_t *sizes = malloc((layers ? layers : 1) * sizeof *sizes);
  if (!sizes) {
    snprintf(err, errlen, "out of memory switching optimizer");
    return -1;
  }
  for (size_t l = 0; l < layers; l++) sizes[l] = optim_layer_size(o, l);
  Optimizer *n = optim_create(to, layers, sizes, signs, 0, err, errlen);
  free(sizes);
  if (!n) return -1;

  for (size_t l = 0; l < layers; l++) {
    Side a = {from, &fa, optim_state(o, l)}, b = {to, &fb, optim_state(n, l)};
    size_t len = optim_layer_size(o, l);
    switch (route) {
    case ROUTE_SAME:
      for (int s = 0; s < optim_ops(from->kind)->states; s++)
        memcpy(b.state[s], a.state[s], len * sizeof(float));
      break;
    case ROUTE_SGD_TO_CEMA: map_sgd_cema(&a, &b, 1, len); break;
    case ROUTE_CEMA_TO_SGD: map_sgd_cema(&b, &a, 0, len); break;
    case ROUTE_BOP_CEMA:
      memcpy(b.state[0], a.state[0], len * sizeof(float));
      if (to->kind == OPT_CEMA) memcpy(b.state[1], a.state[0], len * sizeof(float));
      break;
    case ROUTE_APPROX: map_approx(&a, &b, signs[l], len); break;
    }
  }
  /* A latent optimizer whose moments start from zero starts its step count
   * again too: Adam's bias correction, SGD's first momentum step. */
  const int fresh = route == ROUTE_APPROX && optim_ops(to->kind)->latent && !carries_ema(from, to);
  optim_set_steps(n, fresh ? 0 : t);
  optim_swap(o, n);
  optim_free(n);
  return 0;
}
