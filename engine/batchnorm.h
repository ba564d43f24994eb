/* batchnorm.h — batch normalisation over a batch of feature rows.
 * Training uses batch statistics and updates running ones; evaluation uses
 * the running statistics. Shapes: x, y, dy, dx are B x N row-major. */
#ifndef FLIPSCOPE_BATCHNORM_H
#define FLIPSCOPE_BATCHNORM_H

#include <stddef.h>

#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

/* mean_n = sum_b x / B, var_n = sum_b (x - mean)^2 / B, rstd = 1/sqrt(var + eps)
 * xhat = (x - mean) rstd, y = scale xhat + shift.
 * running <- (1 - momentum) running + momentum * batch (variance unbiased). */
/* Training's forward in two halves, so that a caller can run what follows
 * batch norm on each group of rows while it is in cache: the statistics
 * (mean, rstd, the running statistics), then bn_normalize_rows on any rows
 * of x (y), on the calling thread. Neither x - mean nor xhat is stored:
 * every pass (the backward ones too, from x and the mean) takes them afresh,
 * the same difference and product each time. */
void bn_train_statistics(const float *x, size_t B, size_t N, float *mean, float *rstd,
                         float *run_mean, float *run_var);
void bn_normalize_rows(const float *x, size_t rows, size_t N, const float *mean,
                       const float *rstd, const float *scale, const float *shift, float *y);
/* y = scale (x - run_mean) / sqrt(run_var + eps) + shift. */
void bn_forward_eval(const float *x, size_t B, size_t N, const float *scale,
                     const float *shift, const float *run_mean, const float *run_var, float *y);
/* Writes rows [r0, r1) of bn_backward's dy just before their first read, so
 * that the element-wise step that makes dy (the STE) runs on each block of
 * rows while it is in cache, on the thread that then sums it. */
typedef struct {
  void (*fn)(void *ctx, size_t r0, size_t r1);
  void *ctx;
} BnRowsFill;

/* From the forward pass's x and its statistics:
 * dshift_n = sum_b dy, dscale_n = sum_b dy xhat,
 * dx = scale rstd / B * (B dy - dshift - xhat dscale). dx may alias dy.
 * fill (NULL: dy is ready) writes dy's rows, every row once. */
void bn_backward(const float *dy, const float *x, const float *mean, const float *rstd,
                 const float *scale, size_t B, size_t N, float *dx, float *dscale,
                 float *dshift, const BnRowsFill *fill);

#endif
