/* optim_iir.c — a general IIR filter on every binary weight's gradient (beyond
 * the paper): flip b where y b > 0, y the filter output, as CEMA does.
 *
 *   cascade (--poles p1,...,pK):  y_k <- p_k y_k + (1 - p_k) y_{k-1},  y_0 = g
 *       (first-order sections of unit DC gain; poles 1-gamma, 1-alpha make CEMA)
 *   biquad (--iir b0,b1,b2,a1,a2), direct form II transposed:
 *       y = b0 g + s1;  s1 <- b1 g - a1 y + s2;  s2 <- b2 g - a2 y
 *
 * state: [0] = y (the inertia: the last section's output), then a cascade's
 * sections 1..K-1 in [1..K-1], or the biquad's s1, s2 in [1], [2]. Arrays a
 * setting does not use are never touched. The rate (schedule) is unused.
 * Unstable filters (a pole on or outside the unit circle) are refused.
 */
#include <math.h>
#include <stdio.h>

#include "engine/kernel_clones.h"
#include "engine/latent.h"
#include "engine/optim.h"

/* Weights per tile: a cascade runs section by section over one tile while it
 * is in L1 (4 states x 1024 floats = 16 KB). */
#define IIR_TILE 1024

/* One first-order section over [begin, end): y <- p y + (1 - p) x. */
KERNEL_CLONES
static void iir_section(float p, const float *x, float *restrict y, size_t begin, size_t end) {
  const float q = 1.0f - p;
  for (size_t j = begin; j < end; j++) y[j] = p * y[j] + q * x[j];
}

/* Flips b where y b > 0 over [begin, end); returns the flips. */
KERNEL_CLONES
static size_t iir_flip(const float *y, float *sign, size_t begin, size_t end) {
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) flips += filter_follow_sign(y[j], 0.0f, &sign[j]);
  return flips;
}

/* y = b0 g + s1;  s1 <- b1 g - a1 y + s2;  s2 <- b2 g - a2 y  over [begin, end). */
KERNEL_CLONES
static void iir_biquad(const double *c, const float *g, float *restrict y, float *restrict s1,
                       float *restrict s2, size_t begin, size_t end) {
  const float b0 = (float)c[0], b1 = (float)c[1], b2 = (float)c[2], a1 = (float)c[3],
              a2 = (float)c[4];
  for (size_t j = begin; j < end; j++) {
    y[j] = b0 * g[j] + s1[j];
    s1[j] = b1 * g[j] - a1 * y[j] + s2[j];
    s2[j] = b2 * g[j] - a2 * y[j];
  }
}

static size_t iir_step(const OptStepArgs *a, float *sign, const float *grad, float *const *state,
                       size_t begin, size_t end) {
  const OptConfig *cfg = a->cfg;
  size_t flips = 0;
  for (size_t lo = begin; lo < end; lo += IIR_TILE) {
    size_t hi = end - lo < IIR_TILE ? end : lo + IIR_TILE;
    if (cfg->iir_biquad) {
      iir_biquad(cfg->iir_coef, grad, state[0], state[1], state[2], lo, hi);
    } else {
      const float *x = grad;
      for (int k = 0; k < cfg->iir_sections; k++) {
        float *y = state[k + 1 < cfg->iir_sections ? k + 1 : 0];
        iir_section((float)cfg->iir_poles[k], x, y, lo, hi);
        x = y;
      }
    }
    flips += iir_flip(state[0], sign, lo, hi);
  }
  return flips;
}

/* The DC gain of the biquad, H(1) = (b0 + b1 + b2) / (1 + a1 + a2). */
static double biquad_dc_gain(const double *c) { return (c[0] + c[1] + c[2]) / (1 + c[3] + c[4]); }

/* Output -s b: a cascade's sections (unit DC gain) all at -s b; a biquad in
 * the steady state of the constant input x = -s b / H(1). */
static void iir_init(const OptConfig *cfg, float s, const float *sign, float *const *state,
                     size_t n) {
  if (!cfg->iir_biquad) {
    for (int k = 0; k < cfg->iir_sections; k++)
      for (size_t j = 0; j < n; j++) state[k][j] = -s * sign[j];
    return;
  }
  const double *c = cfg->iir_coef, h = biquad_dc_gain(c);
  for (size_t j = 0; j < n; j++) {
    double y = -(double)s * sign[j], x = y / h, s2 = c[2] * x - c[4] * y;
    state[0][j] = (float)y;
    state[1][j] = (float)(c[1] * x - c[3] * y + s2);
    state[2][j] = (float)s2;
  }
}

static int iir_check(const OptConfig *cfg, char *err, size_t errlen) {
  if (cfg->iir_biquad) {
    const double a1 = cfg->iir_coef[3], a2 = cfg->iir_coef[4];
    /* Both roots of z^2 + a1 z + a2 lie inside the unit circle iff this holds (Jury). */
    if (!(fabs(a2) < 1 && fabs(a1) < 1 + a2)) {
      snprintf(err, errlen,
               "--iir: a1 = %g, a2 = %g put a pole on or outside the unit circle (unstable); "
               "stable needs |a2| < 1 and |a1| < 1 + a2", a1, a2);
      return -1;
    }
    if (cfg->state_init > 0 && biquad_dc_gain(cfg->iir_coef) == 0) {
      snprintf(err, errlen, "--state-init: this biquad's DC gain is 0 (b0 + b1 + b2 = 0), so no "
               "constant gradient holds its output at -S b");
      return -1;
    }
    return 0;
  }
  if (cfg->iir_sections < 1 || cfg->iir_sections > OPT_MAX_SECTIONS) {
    snprintf(err, errlen, "--opt iir: give --poles p1,...,pK (1 to %d poles) or --iir b0,b1,b2,a1,a2",
             OPT_MAX_SECTIONS);
    return -1;
  }
  for (int k = 0; k < cfg->iir_sections; k++)
    if (!(fabs(cfg->iir_poles[k]) < 1)) {
      snprintf(err, errlen,
               "--poles: pole %g is on or outside the unit circle (unstable); every pole needs |p| < 1",
               cfg->iir_poles[k]);
      return -1;
    }
  return 0;
}

const OptimizerOps optim_iir_ops = {
    .kind = OPT_IIR, .name = "iir", .states = OPT_MAX_SECTIONS, .inertia_state = 0, .latent = 0,
    .step = iir_step, .check = iir_check, .init = iir_init, .default_schedule = SCHED_CONST};
