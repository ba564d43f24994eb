/* optim_cema.c — CEMA, the cascaded exponential moving average of Quist et al.
 * (ICLR 2023): no latent weights; two EMAs filter the gradient and a weight
 * flips when the filter output agrees in sign with it (docs/science.md section 2).
 *
 *   m <- (1 - gamma) m + gamma g
 *   i <- (1 - alpha_t) i + alpha_t m
 *   flip b where i * b > 0            state: [0] = m, [1] = i (the inertia)
 *
 * The step loop is cema_step in optim_steps.h, compiled per SIMD variant.
 */
#include "engine/optim.h"

/* m0 = i0 = -s b: the steady state of the constant gradient -s b. */
static void cema_init(const OptConfig *cfg, float s, const float *sign, float *const *state,
                      size_t n) {
  (void)cfg;
  for (size_t j = 0; j < n; j++) state[0][j] = state[1][j] = -s * sign[j];
}

const OptimizerOps optim_cema_ops = {
    .kind = OPT_CEMA, .name = "cema", .states = 2, .inertia_state = 1, .latent = 0,
    .init = cema_init, .default_schedule = SCHED_LINEAR, .scheduled = "alpha"};
