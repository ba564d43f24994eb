/* batchnorm.c — batch normalisation forward (train/eval) and backward, run by
 * the active SIMD variant (the loops: layer_loops.h). Large calls (a CNN's
 * B x pixels rows) are split over the thread pool by blocks of features:
 * each feature's sums still run over the rows in order, so the results are
 * the same bits whatever the thread count. */
#include "engine/batchnorm.h"

#include "engine/kernels.h"
#include "engine/parallel.h"

/* Below this many values a call runs on the calling thread alone; features
 * are split in blocks of FEATURE_GRAIN (a cache line of floats). */
#define MIN_PARALLEL_VALUES ((size_t)1 << 17)
#define FEATURE_GRAIN 16

typedef enum { BN_TRAIN, BN_EVAL, BN_BACKWARD } BnPass;

/* One call's operands; each feature block [n0, n1) offsets every pointer. */
typedef struct {
  BnPass pass;
  const float *x, *scale, *shift, *xhat_in, *rstd_in, *run_mean_in, *run_var_in;
  float *xhat, *rstd, *y, *run_mean, *run_var, *dscale, *dshift;
  size_t B, N;
} BnJob;

static void bn_block(void *ctx, size_t n0, size_t n1) {
  const BnJob *j = ctx;
  const KernelTable *k = kernels();
  size_t n = n1 - n0, ld = j->N;
  if (j->pass == BN_TRAIN)
    k->bn_forward_train(j->x + n0, j->B, n, ld, j->scale + n0, j->shift + n0, j->xhat + n0,
                        j->rstd + n0, j->y + n0, j->run_mean + n0, j->run_var + n0);
  else if (j->pass == BN_EVAL)
    k->bn_forward_eval(j->x + n0, j->B, n, ld, j->scale + n0, j->shift + n0,
                       j->run_mean_in + n0, j->run_var_in + n0, j->y + n0);
  else
    k->bn_backward(j->x + n0, j->xhat_in + n0, j->rstd_in + n0, j->scale + n0, j->B, n, ld,
                   j->y + n0, j->dscale + n0, j->dshift + n0);
}

static void bn_run(const BnJob *j) {
  if (j->B * j->N < MIN_PARALLEL_VALUES || j->N < 2 * FEATURE_GRAIN) {
    bn_block((void *)j, 0, j->N);
    return;
  }
  par_for(j->N, FEATURE_GRAIN, bn_block, (void *)j);
}

void bn_forward_train(const float *x, size_t B, size_t N, const float *scale,
                      const float *shift, float *xhat, float *rstd, float *y,
                      float *run_mean, float *run_var) {
  BnJob j = {.pass = BN_TRAIN, .x = x, .scale = scale, .shift = shift, .xhat = xhat,
             .rstd = rstd, .y = y, .run_mean = run_mean, .run_var = run_var, .B = B, .N = N};
  bn_run(&j);
}

void bn_forward_eval(const float *x, size_t B, size_t N, const float *scale,
                     const float *shift, const float *run_mean, const float *run_var, float *y) {
  BnJob j = {.pass = BN_EVAL, .x = x, .scale = scale, .shift = shift, .run_mean_in = run_mean,
             .run_var_in = run_var, .y = y, .B = B, .N = N};
  bn_run(&j);
}

void bn_backward(const float *dy, const float *xhat, const float *rstd, const float *scale,
                 size_t B, size_t N, float *dx, float *dscale, float *dshift) {
  BnJob j = {.pass = BN_BACKWARD, .x = dy, .xhat_in = xhat, .rstd_in = rstd, .scale = scale,
             .y = dx, .dscale = dscale, .dshift = dshift, .B = B, .N = N};
  bn_run(&j);
}
