/* optim_bop.c — Bop (Helwegen et al. 2019, "Latent weights do not exist") and
 * Bop2ndOrder (Suarez-Ramirez et al. 2021): latent-free optimizers that flip a
 * binary weight when an EMA of its gradient agrees with it beyond a threshold.
 *
 *   bop:   m <- (1 - gamma_t) m + gamma_t g;    flip b where b m > tau
 *   bop2:  also v <- (1 - sigma) v + sigma g^2; flip b where b r > tau, with
 *          r = m / (sqrt(v) + 1e-10)                          (the authors' Bop2ndOrder)
 *          r = (m / gamma_t) / (sqrt(v / sigma) + 1e-10)      (--unbiased: Bop2ndOrder_unbiased)
 *
 * gamma_t is the scheduled rate. Larq writes the EMA as m + gamma (g - m); the
 * form above is the same EMA rounded as CEMA's first stage, so Bop(tau = 0)
 * equals CEMA(alpha = 1) bit for bit. The flip rule is strict (b r > tau keeps
 * b where b r == tau); Larq's sign(-sign(b r - tau) b) with sign(0) = +1 sets
 * b = +1 there instead (docs/science.md). Defaults (engine/settings.c): tau 1e-8,
 * gamma 1e-4 as in Larq's Bop; tau 1e-6, gamma 1e-6, sigma 1e-2 as in the
 * Bop2ndOrder authors' code. state: [0] = m (the inertia), bop2 also [1] = v.
 *
 * The step loops are bop_step, bop2_step and bop2_unbiased_step in
 * optim_steps.h, compiled per SIMD variant.
 */
#include "engine/optim.h"

/* m0 = -s b (bop2's v starts at zero). */
static void bop_init(const OptConfig *cfg, float s, const float *sign, float *const *state,
                     size_t n) {
  (void)cfg;
  for (size_t j = 0; j < n; j++) state[0][j] = -s * sign[j];
}

const OptimizerOps optim_bop_ops = {
    .kind = OPT_BOP, .name = "bop", .states = 1, .inertia_state = 0, .latent = 0,
    .init = bop_init, .default_schedule = SCHED_CONST, .scheduled = "gamma"};
const OptimizerOps optim_bop2_ops = {
    .kind = OPT_BOP2, .name = "bop2", .states = 2, .inertia_state = 0, .latent = 0,
    .init = bop_init, .default_schedule = SCHED_CONST, .scheduled = "gamma"};
