/* batchnorm.c — batch normalisation forward (train/eval) and backward over
 * B rows of N features, run by the active SIMD variant (the loops:
 * layer_loops.h) and split over the thread pool.
 *
 * The per-feature sums (mean, variance, and the two of the backward pass)
 * are taken per block of rows, each block's partial sum in row order from
 * 0, and the partial sums are added in block order. The blocks depend only
 * on B and N, never on the thread count, so one and two threads give the
 * same bits; a batch of at most BLOCK_ROWS rows (every MLP batch up to 1024)
 * is one block, summed as one loop over its rows. A CNN's rows are its
 * batch x pixels (78,400 for 100 Fashion images of 28 x 28). The
 * element-wise passes are split by rows, bn_normalize_rows by its caller.
 */
#include "engine/batchnorm.h"

#include <math.h>

#include "engine/kernels.h"
#include "engine/parallel.h"

/* Rows per block of the sums, and the partial sums one call may hold
 * (blocks x N floats, on the stack): beyond that the blocks grow. */
enum { BLOCK_ROWS = 1024, PARTIAL_CAP = 8192 };

/* Below this many values the element-wise passes run on the calling thread. */
#define MIN_PARALLEL_VALUES ((size_t)1 << 17)

typedef struct {
  const KernelTable *k;
  size_t B, N, rows_per, blocks;
  const float *x;                  /* forward: the input; backward: dy */
  const float *saved;              /* backward: the forward pass's input */
  const float *mean, *rstd, *scale, *shift, *run_mean, *run_var, *dshift, *dscale;
  float *y;                        /* backward: dx */
  float *part[2];                  /* blocks x N partial sums each, or the outputs themselves */
  const BnRowsFill *fill;          /* backward: writes dy's rows first (or NULL) */
} BnJob;

/* The blocks of B rows of N features: BLOCK_ROWS rows each, doubled until
 * their partial sums fit PARTIAL_CAP (one block when N alone exceeds it). */
static void split_blocks(BnJob *j) {
  j->rows_per = BLOCK_ROWS;
  while (j->rows_per < j->B && (j->B + j->rows_per - 1) / j->rows_per * j->N > PARTIAL_CAP)
    j->rows_per *= 2;
  j->blocks = j->B > j->rows_per ? (j->B + j->rows_per - 1) / j->rows_per : 1;
}

/* Rows of block b, from *r0. */
static size_t block_rows(const BnJob *j, size_t b, size_t *r0) {
  *r0 = b * j->rows_per;
  if (*r0 >= j->B) return 0;
  return j->B - *r0 < j->rows_per ? j->B - *r0 : j->rows_per;
}

/* Sums into part[0] (and part[1]) of each block by body, then adds the
 * blocks' sums into out[0] (and out[1]) in block order. One block sums
 * straight into out. */
static void block_sums(BnJob *j, par_body body, float *const out[2],
                       float partial[2][PARTIAL_CAP]) {
  int two = out[1] != NULL;
  if (j->blocks == 1) {
    j->part[0] = out[0], j->part[1] = out[1];
    body(j, 0, 1);
    return;
  }
  j->part[0] = partial[0], j->part[1] = two ? partial[1] : NULL;
  par_for(j->blocks, 1, body, j);
  for (int s = 0; s <= two; s++) {
    for (size_t n = 0; n < j->N; n++) out[s][n] = partial[s][n];
    for (size_t b = 1; b < j->blocks; b++)
      for (size_t n = 0; n < j->N; n++) out[s][n] += partial[s][b * j->N + n];
  }
}

/* Runs body over rows [0, B): on the pool when the call is large. */
static void each_row(BnJob *j, par_body body) {
  if (j->B * j->N < MIN_PARALLEL_VALUES) body(j, 0, j->B);
  else par_for(j->B, 1, body, j);
}

static void sum_blocks(void *ctx, size_t b0, size_t b1) {
  const BnJob *j = ctx;
  for (size_t b = b0, r0; b < b1; b++) {
    size_t rows = block_rows(j, b, &r0);
    j->k->bn_sums(j->x + r0 * j->N, rows, j->N, j->part[0] + b * j->N);
  }
}

static void square_blocks(void *ctx, size_t b0, size_t b1) {
  const BnJob *j = ctx;
  for (size_t b = b0, r0; b < b1; b++) {
    size_t rows = block_rows(j, b, &r0);
    j->k->bn_squares(j->x + r0 * j->N, rows, j->N, j->mean, j->part[0] + b * j->N);
  }
}

void bn_train_statistics(const float *x, size_t B, size_t N, float *mean, float *rstd,
                         float *run_mean, float *run_var) {
  float partial[2][PARTIAL_CAP];
  BnJob j = {.k = kernels(), .B = B, .N = N, .x = x};
  split_blocks(&j);
  block_sums(&j, sum_blocks, (float *const[2]){mean, NULL}, partial);
  const float inv_b = 1.0f / (float)B;
  for (size_t n = 0; n < N; n++) mean[n] *= inv_b;
  j.mean = mean;
  for (size_t n = 0; n < N; n++) run_mean[n] = (1.0f - BN_MOMENTUM) * run_mean[n] + BN_MOMENTUM * mean[n];
  /* rstd holds the variance, then its reciprocal root. */
  float *var = rstd;
  block_sums(&j, square_blocks, (float *const[2]){var, NULL}, partial);
  const float unbias = B > 1 ? (float)B / (float)(B - 1) : 1.0f;
  for (size_t n = 0; n < N; n++) {
    var[n] *= inv_b;
    run_var[n] = (1.0f - BN_MOMENTUM) * run_var[n] + BN_MOMENTUM * var[n] * unbias;
    rstd[n] = 1.0f / sqrtf(var[n] + BN_EPS);
  }
}

void bn_normalize_rows(const float *x, size_t rows, size_t N, const float *mean,
                       const float *rstd, const float *scale, const float *shift, float *y) {
  kernels()->bn_normalize(x, rows, N, mean, rstd, scale, shift, y);
}

static void eval_rows(void *ctx, size_t r0, size_t r1) {
  const BnJob *j = ctx;
  j->k->bn_forward_eval(j->x + r0 * j->N, r1 - r0, j->N, j->scale, j->shift, j->run_mean,
                        j->run_var, j->y + r0 * j->N);
}

void bn_forward_eval(const float *x, size_t B, size_t N, const float *scale,
                     const float *shift, const float *run_mean, const float *run_var, float *y) {
  BnJob j = {.k = kernels(), .B = B, .N = N, .x = x, .scale = scale, .shift = shift,
             .run_mean = run_mean, .run_var = run_var, .y = y};
  each_row(&j, eval_rows);
}

static void grad_sum_blocks(void *ctx, size_t b0, size_t b1) {
  const BnJob *j = ctx;
  for (size_t b = b0, r0; b < b1; b++) {
    size_t rows = block_rows(j, b, &r0);
    if (j->fill) j->fill->fn(j->fill->ctx, r0, r0 + rows);
    j->k->bn_grad_sums(j->x + r0 * j->N, j->saved + r0 * j->N, j->mean, j->rstd, rows, j->N,
                       j->part[0] + b * j->N, j->part[1] + b * j->N);
  }
}

static void input_grad_rows(void *ctx, size_t r0, size_t r1) {
  const BnJob *j = ctx;
  j->k->bn_input_grad(j->x + r0 * j->N, j->saved + r0 * j->N, j->mean, r1 - r0, j->N, j->rstd,
                      j->scale, j->dshift, j->dscale, j->B, j->y + r0 * j->N);
}

void bn_backward(const float *dy, const float *x, const float *mean, const float *rstd,
                 const float *scale, size_t B, size_t N, float *dx, float *dscale,
                 float *dshift, const BnRowsFill *fill) {
  float partial[2][PARTIAL_CAP];
  BnJob j = {.k = kernels(), .B = B, .N = N, .x = dy, .saved = x, .mean = mean, .rstd = rstd,
             .scale = scale, .dshift = dshift, .dscale = dscale, .y = dx, .fill = fill};
  split_blocks(&j);
  block_sums(&j, grad_sum_blocks, (float *const[2]){dshift, dscale}, partial);
  each_row(&j, input_grad_rows);
}
