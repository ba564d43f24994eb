/* optim_steps.h — the step loop of every optimizer (the opt_kernel of optim.h).
 *
 * The update rules are documented with each optimizer (optim_cema.c,
 * optim_sgd.c, optim_adam.c, optim_bop.c, optim_iir.c). Written once and
 * compiled per instruction set: included only by kernel_variant.h, which puts
 * these functions in its KernelTable; optim.c runs the active variant's copy.
 */
#ifndef FLIPSCOPE_OPTIM_STEPS_H
#define FLIPSCOPE_OPTIM_STEPS_H

#include <math.h>

#include "engine/adam_math.h"
#include "engine/latent.h"
#include "engine/optim_types.h"

/* CEMA: m <- (1 - gamma) m + gamma g;  i <- (1 - alpha_t) i + alpha_t m;
 * flip b where i b > 0.  state: [0] = m, [1] = i. */
static size_t cema_step(const OptStepArgs *a, float *sign, const float *grad,
                        float *const *state, size_t begin, size_t end) {
  const float gamma = (float)a->cfg->gamma, alpha = (float)a->rate;
  float *restrict m = state[0], *restrict inertia = state[1];
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    m[j] = (1.0f - gamma) * m[j] + gamma * grad[j];
    inertia[j] = (1.0f - alpha) * inertia[j] + alpha * m[j];
    int flip = inertia[j] * sign[j] > 0.0f;
    if (flip) sign[j] = -sign[j]; /* a masked store: unflipped lines stay clean */
    flips += (size_t)flip;
  }
  return flips;
}

/* SGD, mu = 0:  w <- clip(w (1 - lr wd) - lr g)  over weights [begin, end) */
static size_t sgd_plain(const OptStepArgs *a, float *sign, const float *grad, float *restrict w,
                        size_t begin, size_t end) {
  const float lr = (float)a->rate, clip = (float)a->cfg->clip;
  const float decay = 1.0f - (float)(a->rate * a->cfg->wd);
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    w[j] = latent_clip(w[j] * decay - lr * grad[j], clip);
    flips += latent_follow_sign(w[j], &sign[j]);
  }
  return flips;
}

/* SGD, mu > 0:  g' = g + wd_c w;  buf <- first ? g' : mu buf + (1 - dampening) g';
 *               w <- clip(w decay - lr (nesterov ? g' + mu buf : buf))
 * with (wd_c, decay) = (wd, 1) coupled or (0, 1 - lr wd) decoupled. */
static size_t sgd_momentum(const OptStepArgs *a, float *sign, const float *grad,
                           float *restrict w, float *restrict buf, size_t begin, size_t end) {
  const OptConfig *cfg = a->cfg;
  const float lr = (float)a->rate, clip = (float)cfg->clip;
  const float mu = (float)cfg->momentum, keep = 1.0f - (float)cfg->dampening;
  const float wd = cfg->decoupled_wd ? 0.0f : (float)cfg->wd;
  const float decay = cfg->decoupled_wd ? 1.0f - (float)(a->rate * cfg->wd) : 1.0f;
  const int first = a->t == 1, nesterov = cfg->nesterov;
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    float g = grad[j] + wd * w[j];
    buf[j] = first ? g : mu * buf[j] + keep * g;
    float d = nesterov ? g + mu * buf[j] : buf[j];
    w[j] = latent_clip(w[j] * decay - lr * d, clip);
    flips += latent_follow_sign(w[j], &sign[j]);
  }
  return flips;
}

/* SGD: state [0] = w, [1] = buf (untouched without momentum). */
static size_t sgd_step(const OptStepArgs *a, float *sign, const float *grad, float *const *state,
                       size_t begin, size_t end) {
  if (a->cfg->momentum == 0) return sgd_plain(a, sign, grad, state[0], begin, end);
  return sgd_momentum(a, sign, grad, state[0], state[1], begin, end);
}

/* Adam (coupled L2: g' = g + wd w) or AdamW (decoupled: w <- w (1 - lr wd)),
 * then w <- clip(w - adam_delta(g')).  state: [0] = w, [1] = m, [2] = v. */
static size_t adam_like_step(const OptStepArgs *a, float *sign, const float *grad,
                             float *const *state, size_t begin, size_t end, int decoupled) {
  const OptConfig *cfg = a->cfg;
  const AdamCoeffs c = adam_coeffs(a->rate, cfg->beta1, cfg->beta2, cfg->eps, a->t);
  const float wd = (float)cfg->wd, clip = (float)cfg->clip;
  const float decay = decoupled ? 1.0f - (float)(a->rate * cfg->wd) : 1.0f;
  const float coupled_wd = decoupled ? 0.0f : wd;
  float *restrict w = state[0], *restrict m = state[1], *restrict v = state[2];
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    float g = grad[j] + coupled_wd * w[j];
    w[j] = latent_clip(w[j] * decay - adam_delta(&c, g, &m[j], &v[j]), clip);
    flips += latent_follow_sign(w[j], &sign[j]);
  }
  return flips;
}

static size_t adam_step(const OptStepArgs *a, float *sign, const float *grad,
                        float *const *state, size_t begin, size_t end) {
  return adam_like_step(a, sign, grad, state, begin, end, 0);
}

static size_t adamw_step(const OptStepArgs *a, float *sign, const float *grad,
                         float *const *state, size_t begin, size_t end) {
  return adam_like_step(a, sign, grad, state, begin, end, 1);
}

/* Bop: m <- (1 - gamma_t) m + gamma_t g;  flip b where b m > tau.  state: [0] = m. */
static size_t bop_step(const OptStepArgs *a, float *sign, const float *grad, float *const *state,
                       size_t begin, size_t end) {
  const float gamma = (float)a->rate, tau = (float)a->cfg->tau;
  float *restrict m = state[0];
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    m[j] = (1.0f - gamma) * m[j] + gamma * grad[j];
    flips += filter_follow_sign(m[j], tau, &sign[j]);
  }
  return flips;
}

/* Bop2ndOrder's two EMAs of one weight: m <- (1 - gamma) m + gamma g,
 * v <- (1 - sigma) v + sigma g^2 (both forms share them). */
static inline void bop2_moments(float *m, float *v, float g, float gamma, float sigma) {
  *m = (1.0f - gamma) * *m + gamma * g;
  *v = (1.0f - sigma) * *v + sigma * g * g;
}

/* Bop2ndOrder: Bop's m, v <- (1 - sigma) v + sigma g^2;
 * flip b where b m / (sqrt(v) + 1e-10) > tau.  state: [0] = m, [1] = v. */
static size_t bop2_step(const OptStepArgs *a, float *sign, const float *grad, float *const *state,
                        size_t begin, size_t end) {
  const float gamma = (float)a->rate, sigma = (float)a->cfg->sigma, tau = (float)a->cfg->tau;
  float *restrict m = state[0], *restrict v = state[1];
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    bop2_moments(&m[j], &v[j], grad[j], gamma, sigma);
    flips += filter_follow_sign(m[j] / (sqrtf(v[j]) + 1e-10f), tau, &sign[j]);
  }
  return flips;
}

/* Bop2ndOrder_unbiased (--unbiased): the EMAs divided by their rates before
 * the ratio; flip b where b (m / gamma_t) / (sqrt(v / sigma) + 1e-10) > tau. */
static size_t bop2_unbiased_step(const OptStepArgs *a, float *sign, const float *grad,
                                 float *const *state, size_t begin, size_t end) {
  const float gamma = (float)a->rate, sigma = (float)a->cfg->sigma, tau = (float)a->cfg->tau;
  float *restrict m = state[0], *restrict v = state[1];
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) {
    bop2_moments(&m[j], &v[j], grad[j], gamma, sigma);
    flips += filter_follow_sign((m[j] / gamma) / (sqrtf(v[j] / sigma) + 1e-10f), tau, &sign[j]);
  }
  return flips;
}

/* Bop2: the authors' form, or the unbiased one with cfg->unbiased. */
static size_t bop2_any_step(const OptStepArgs *a, float *sign, const float *grad,
                            float *const *state, size_t begin, size_t end) {
  return a->cfg->unbiased ? bop2_unbiased_step(a, sign, grad, state, begin, end)
                          : bop2_step(a, sign, grad, state, begin, end);
}

/* Weights per tile: an IIR cascade runs section by section over one tile while
 * it is in L1 (4 states x 1024 floats = 16 KB). */
#define IIR_TILE 1024

/* One first-order section over [begin, end): y <- p y + (1 - p) x. */
static void iir_section(float p, const float *x, float *restrict y, size_t begin, size_t end) {
  const float q = 1.0f - p;
  for (size_t j = begin; j < end; j++) y[j] = p * y[j] + q * x[j];
}

/* Flips b where y b > 0 over [begin, end); returns the flips. */
static size_t iir_flip(const float *y, float *sign, size_t begin, size_t end) {
  size_t flips = 0;
  for (size_t j = begin; j < end; j++) flips += filter_follow_sign(y[j], 0.0f, &sign[j]);
  return flips;
}

/* y = b0 g + s1;  s1 <- b1 g - a1 y + s2;  s2 <- b2 g - a2 y  over [begin, end). */
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

/* IIR: the cascade or biquad of optim_iir.c, tile by tile, then flip b where
 * y b > 0.  state: [0] = y, then the other sections or s1, s2. */
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

#endif
