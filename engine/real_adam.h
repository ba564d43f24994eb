/* real_adam.h — Adam for the real-valued parameters (batch-norm scale/shift). */
#ifndef FLIPSCOPE_REAL_ADAM_H
#define FLIPSCOPE_REAL_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  size_t n;
  float *m, *v;
  uint64_t t;
} RealAdam;

int real_adam_init(RealAdam *a, size_t n);
void real_adam_free(RealAdam *a);
/* p -= Adam step (betas 0.9, 0.999, eps 1e-8) for gradient g at rate lr. */
void real_adam_step(RealAdam *a, float *p, const float *g, double lr);

#endif
