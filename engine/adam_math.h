/* adam_math.h — the Adam moment update and step, shared by latent-weight Adam
 * on binary weights and by the Adam that trains real parameters (batch norm).
 * Follows PyTorch: step = lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). */
#ifndef FLIPSCOPE_ADAM_MATH_H
#define FLIPSCOPE_ADAM_MATH_H

#include <math.h>
#include <stdint.h>

typedef struct {
  float beta1, beta2, eps;
  float step_size;      /* lr / (1 - beta1^t) */
  float inv_sqrt_bc2;   /* 1 / sqrt(1 - beta2^t) */
} AdamCoeffs;

static inline AdamCoeffs adam_coeffs(double lr, double beta1, double beta2, double eps,
                                     uint64_t t) {
  AdamCoeffs c;
  c.beta1 = (float)beta1;
  c.beta2 = (float)beta2;
  c.eps = (float)eps;
  c.step_size = (float)(lr / (1.0 - pow(beta1, (double)t)));
  c.inv_sqrt_bc2 = (float)(1.0 / sqrt(1.0 - pow(beta2, (double)t)));
  return c;
}

/* Updates the moments m, v with gradient g and returns the step to subtract. */
static inline float adam_delta(const AdamCoeffs *c, float g, float *m, float *v) {
  *m = c->beta1 * *m + (1.0f - c->beta1) * g;
  *v = c->beta2 * *v + (1.0f - c->beta2) * g * g;
  return c->step_size * *m / (sqrtf(*v) * c->inv_sqrt_bc2 + c->eps);
}

#endif
