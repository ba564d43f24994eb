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
 */
#include <stdio.h>

#include "engine/kernel_clones.h"
#include "engine/latent.h"
#include "engine/optim.h"

/* mu = 0:  w <- clip(w (1 - lr wd) - lr g)  over weights [begin, end) */
KERNEL_CLONES
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

/* mu > 0:  g' = g + wd_c w;  buf <- first ? g' : mu buf + (1 - dampening) g';
 *          w <- clip(w decay - lr (nesterov ? g' + mu buf : buf))
 * with (wd_c, decay) = (wd, 1) coupled or (0, 1 - lr wd) decoupled. */
KERNEL_CLONES
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

static size_t sgd_step(const OptStepArgs *a, float *sign, const float *grad, float *const *state,
                       size_t begin, size_t end) {
  if (a->cfg->momentum == 0) return sgd_plain(a, sign, grad, state[0], begin, end);
  return sgd_momentum(a, sign, grad, state[0], state[1], begin, end);
}

/* As PyTorch: Nesterov needs momentum and no dampening. */
static int sgd_check(const OptConfig *cfg, char *err, size_t errlen) {
  if (cfg->nesterov && (cfg->momentum == 0 || cfg->dampening != 0)) {
    snprintf(err, errlen, "--nesterov: needs --momentum > 0 and --dampening 0 (as in PyTorch)");
    return -1;
  }
  return 0;
}

const OptimizerOps optim_sgd_ops = {
    .kind = OPT_SGD, .name = "sgd", .states = 2, .inertia_state = 0, .latent = 1,
    .step = sgd_step, .check = sgd_check, .default_schedule = SCHED_LINEAR};
