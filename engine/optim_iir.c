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
 *
 * The step loop is iir_step in optim_steps.h, compiled per SIMD variant.
 */
#include <math.h>
#include <stdio.h>

#include "engine/error.h"
#include "engine/optim.h"

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
               "%s: a1 = %g, a2 = %g put a pole on or outside the unit circle (unstable); "
               "stable needs |a2| < 1 and |a1| < 1 + a2", error_setting("iir").text, a1, a2);
      return -1;
    }
    if (cfg->state_init > 0 && biquad_dc_gain(cfg->iir_coef) == 0) {
      snprintf(err, errlen, "%s: this biquad's DC gain is 0 (b0 + b1 + b2 = 0), so no "
               "constant gradient holds its output at -S b", error_setting("state-init").text);
      return -1;
    }
    return 0;
  }
  if (cfg->iir_sections < 1 || cfg->iir_sections > OPT_MAX_SECTIONS) {
    snprintf(err, errlen, "%s: iir needs 1 to %d poles p1,...,pK, or a biquad (%s b0,b1,b2,a1,a2)",
             error_setting("poles").text, OPT_MAX_SECTIONS, error_setting("iir").text);
    return -1;
  }
  for (int k = 0; k < cfg->iir_sections; k++)
    if (!(fabs(cfg->iir_poles[k]) < 1)) {
      snprintf(err, errlen,
               "%s: pole %g is on or outside the unit circle (unstable); every pole needs |p| < 1",
               error_setting("poles").text, cfg->iir_poles[k]);
      return -1;
    }
  return 0;
}

const OptimizerOps optim_iir_ops = {
    .kind = OPT_IIR, .name = "iir", .states = OPT_MAX_SECTIONS, .inertia_state = 0, .latent = 0,
    .check = iir_check, .init = iir_init, .default_schedule = SCHED_CONST};
