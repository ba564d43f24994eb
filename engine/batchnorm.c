/* batchnorm.c — batch normalisation forward (train/eval) and backward, run by
 * the active SIMD variant (the loops: layer_loops.h). */
#include "engine/batchnorm.h"

#include "engine/kernels.h"

void bn_forward_train(const float *x, size_t B, size_t N, const float *scale,
                      const float *shift, float *xhat, float *rstd, float *y,
                      float *run_mean, float *run_var) {
  kernels()->bn_forward_train(x, B, N, scale, shift, xhat, rstd, y, run_mean, run_var);
}

void bn_forward_eval(const float *x, size_t B, size_t N, const float *scale,
                     const float *shift, const float *run_mean, const float *run_var, float *y) {
  kernels()->bn_forward_eval(x, B, N, scale, shift, run_mean, run_var, y);
}

void bn_backward(const float *dy, const float *xhat, const float *rstd, const float *scale,
                 size_t B, size_t N, float *dx, float *dscale, float *dshift) {
  kernels()->bn_backward(dy, xhat, rstd, scale, B, N, dx, dscale, dshift);
}
