/* optim_sgd.c — latent-weight SGD for binary weights, with the semantics of
 * PyTorch's torch.optim.SGD (momentum, dampening, nesterov, L2 weight decay)
 * plus decoupled weight decay and BinaryConnect clipping. b = sign(w).
 *
 *   coupled:    g' = g + wd w                 decoupled:  g' = g,  w <- w (1 - lr wd)
 *   momentum mu > 0:  buf = g'                           at the first step (PyTorch
 *                     buf = mu buf + (1 - dampening) g'  ignores dampening there),
 *                     d = nesterov ? g' + mu buf : buf   else;  mu = 0: d = g'
 *   w <- clip(w - lr d);  flip b where w b < 0 (w = 0 keeps b)
 *
 * Without momentum the coupled decay is evaluated as w (1 - lr wd) - lr g: the
 * same value as w - lr (g + wd w), and the same float recursion as CEMA's
 * i <- (1 - alpha) i + alpha m, so SGD and its CEMA equivalent round alike.
 * state: [0] = w (the inertia), [1] = buf.
 *
 * The step loop is sgd_step in optim_steps.h, compiled per SIMD variant.
 */
#include <stdio.h>

#include "engine/error.h"
#include "engine/optim.h"

/* As PyTorch: Nesterov needs momentum and no dampening. */
static int sgd_check(const OptConfig *cfg, char *err, size_t errlen) {
  if (cfg->nesterov && (cfg->momentum == 0 || cfg->dampening != 0)) {
    snprintf(err, errlen, "%s: needs %s > 0 and %s 0 (as in PyTorch)", error_setting("nesterov").text,
             error_setting("momentum").text, error_setting("dampening").text);
    return -1;
  }
  return 0;
}

const OptimizerOps optim_sgd_ops = {
    .kind = OPT_SGD, .name = "sgd", .states = 2, .inertia_state = 0, .latent = 1,
    .check = sgd_check, .default_schedule = SCHED_LINEAR, .scheduled = "lr"};
