/* real_adam.c — Adam on a flat array of real parameters. */
#include "engine/real_adam.h"

#include <stdlib.h>

#include "engine/adam_math.h"

int real_adam_init(RealAdam *a, size_t n) {
  a->n = n;
  a->t = 0;
  a->m = calloc(n ? n : 1, sizeof *a->m);
  a->v = calloc(n ? n : 1, sizeof *a->v);
  return a->m && a->v ? 0 : -1;
}

void real_adam_free(RealAdam *a) {
  free(a->m);
  free(a->v);
  a->m = a->v = NULL;
}

void real_adam_step(RealAdam *a, float *p, const float *g, double lr) {
  const AdamCoeffs c = adam_coeffs(lr, 0.9, 0.999, 1e-8, ++a->t);
  for (size_t j = 0; j < a->n; j++) p[j] -= adam_delta(&c, g[j], &a->m[j], &a->v[j]);
}
