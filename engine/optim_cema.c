/* optim_cema.c — CEMA, the cascaded exponential moving average of Quist et al.
 * (ICLR 2023): no latent weights; two EMAs filter the gradient and a weight
 * flips when the filter output agrees in sign with it (docs/science.md section 2).
 *
 *   m <- (1 - gamma) m + gamma g
 *   i <- (1 - alpha_t) i + alpha_t m
 *   flip b where i * b > 0            state: [0] = m, [1] = i (the inertia)
 */
#include "engine/kernel_clones.h"
#include "engine/optim.h"

KERNEL_CLONES
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

/* m0 = i0 = -s b: the steady state of the constant gradient -s b. */
static void cema_init(const OptConfig *cfg, float s, const float *sign, float *const *state,
                      size_t n) {
  (void)cfg;
  for (size_t j = 0; j < n; j++) state[0][j] = state[1][j] = -s * sign[j];
}

const OptimizerOps optim_cema_ops = {
    .kind = OPT_CEMA, .name = "cema", .states = 2, .inertia_state = 1, .latent = 0,
    .step = cema_step, .init = cema_init, .default_schedule = SCHED_LINEAR};
