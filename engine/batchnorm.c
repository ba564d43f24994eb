/* batchnorm.c — batch normalisation forward (train/eval) and backward.
 * Loops run batch-outer, feature-inner so the inner loop is contiguous. */
#include "engine/batchnorm.h"

#include <math.h>
#include <string.h>

#include "engine/kernel_clones.h"

KERNEL_CLONES
void bn_forward_train(const float *x, size_t B, size_t N, const float *scale,
                      const float *shift, float *xhat, float *rstd, float *y,
                      float *run_mean, float *run_var) {
  /* rstd first holds the mean, xhat the centred values. */
  float *mean = rstd;
  memset(mean, 0, N * sizeof *mean);
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++) mean[n] += x[b * N + n];
  const float inv_b = 1.0f / (float)B;
  for (size_t n = 0; n < N; n++) mean[n] *= inv_b;
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++) xhat[b * N + n] = x[b * N + n] - mean[n];
  const float unbias = B > 1 ? (float)B / (float)(B - 1) : 1.0f;
  for (size_t n = 0; n < N; n++) run_mean[n] = (1.0f - BN_MOMENTUM) * run_mean[n] + BN_MOMENTUM * mean[n];
  /* From here rstd holds the variance, then its reciprocal root. */
  float *var = rstd;
  memset(var, 0, N * sizeof *var);
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++) var[n] += xhat[b * N + n] * xhat[b * N + n];
  for (size_t n = 0; n < N; n++) {
    var[n] *= inv_b;
    run_var[n] = (1.0f - BN_MOMENTUM) * run_var[n] + BN_MOMENTUM * var[n] * unbias;
    rstd[n] = 1.0f / sqrtf(var[n] + BN_EPS);
  }
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++) {
      float h = xhat[b * N + n] * rstd[n];
      xhat[b * N + n] = h;
      y[b * N + n] = scale[n] * h + shift[n];
    }
}

KERNEL_CLONES
void bn_forward_eval(const float *x, size_t B, size_t N, const float *scale,
                     const float *shift, const float *run_mean, const float *run_var, float *y) {
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++)
      y[b * N + n] = scale[n] * ((x[b * N + n] - run_mean[n]) / sqrtf(run_var[n] + BN_EPS)) + shift[n];
}

KERNEL_CLONES
void bn_backward(const float *dy, const float *xhat, const float *rstd, const float *scale,
                 size_t B, size_t N, float *dx, float *dscale, float *dshift) {
  memset(dscale, 0, N * sizeof *dscale);
  memset(dshift, 0, N * sizeof *dshift);
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++) {
      dshift[n] += dy[b * N + n];
      dscale[n] += dy[b * N + n] * xhat[b * N + n];
    }
  const float fb = (float)B, inv_b = 1.0f / fb;
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++)
      dx[b * N + n] = scale[n] * rstd[n] * inv_b *
                      (fb * dy[b * N + n] - dshift[n] - xhat[b * N + n] * dscale[n]);
}
