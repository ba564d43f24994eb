/* optim_adam.c — latent-weight Adam and AdamW for binary weights.
 *
 * Each binary weight b has a latent real weight w; Adam updates w with the
 * straight-through gradient g = dL/db and b follows sign(w):
 *   adam:  g' = g + wd w,  w <- w - adam_delta(g')
 *   adamw: w <- w (1 - lr wd) - adam_delta(g)
 *   optional clip of w to [-clip, clip]; flip b where w * b < 0 (w = 0 keeps b).
 * state: [0] = w (the inertia), [1] = m, [2] = v.
 */
#include "engine/adam_math.h"
#include "engine/kernel_clones.h"
#include "engine/latent.h"
#include "engine/optim.h"

KERNEL_CLONES
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

const OptimizerOps optim_adam_ops = {
    .kind = OPT_ADAM, .name = "adam", .states = 3, .inertia_state = 0, .latent = 1,
    .step = adam_step, .default_schedule = SCHED_LINEAR};
const OptimizerOps optim_adamw_ops = {
    .kind = OPT_ADAMW, .name = "adamw", .states = 3, .inertia_state = 0, .latent = 1,
    .step = adamw_step, .default_schedule = SCHED_LINEAR};
