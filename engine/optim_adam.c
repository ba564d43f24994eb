/* optim_adam.c — latent-weight Adam and AdamW for binary weights.
 *
 * Each binary weight b has a latent real weight w; Adam updates w with the
 * straight-through gradient g = dL/db and b follows sign(w):
 *   adam:  g' = g + wd w,  w <- w - adam_delta(g')
 *   adamw: w <- w (1 - lr wd) - adam_delta(g)
 *   optional clip of w to [-clip, clip]; flip b where w * b < 0 (w = 0 keeps b).
 * state: [0] = w (the inertia), [1] = m, [2] = v.
 *
 * The step loops are adam_step and adamw_step in optim_steps.h, compiled per
 * SIMD variant.
 */
#include "engine/optim.h"

const OptimizerOps optim_adam_ops = {
    .kind = OPT_ADAM, .name = "adam", .states = 3, .inertia_state = 0, .latent = 1,
    .default_schedule = SCHED_LINEAR, .scheduled = "lr"};
const OptimizerOps optim_adamw_ops = {
    .kind = OPT_ADAMW, .name = "adamw", .states = 3, .inertia_state = 0, .latent = 1,
    .default_schedule = SCHED_LINEAR, .scheduled = "lr"};
