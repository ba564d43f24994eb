/* layer_loops.h — the element-wise loops of the layers: sign packing (bitpack.h),
 * the sign activation and its STE (activation.h), batch norm (batchnorm.h),
 * a sum into an array (add_into).
 *
 * Written once and compiled per instruction set: included only by
 * kernel_variant.h, which puts these functions in its KernelTable. The public
 * functions of those headers run the active variant's copy.
 */
#ifndef FLIPSCOPE_LAYER_LOOPS_H
#define FLIPSCOPE_LAYER_LOOPS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/bitpack.h"

/* Packs one row of k floats. Bit = (x >= 0): 0.0f and -0.0f give +1, NaN
 * gives -1, the same rule as sign_floats. Written as two 32-bit halves per
 * word so the vector variants compile it to compares and OR-reductions. */
static void pack_row(const float *x, size_t k, uint64_t *out) {
  size_t full = k / 64;
  for (size_t w = 0; w < full; w++) {
    const float *xw = x + 64 * w;
    uint32_t lo = 0, hi = 0;
    for (int t = 0; t < 32; t++) {
      lo |= (uint32_t)(xw[t] >= 0.0f) << t;
      hi |= (uint32_t)(xw[32 + t] >= 0.0f) << t;
    }
    out[w] = lo | (uint64_t)hi << 32;
  }
  if (k % 64) {
    uint64_t word = 0; /* padding bits stay 0 */
    for (size_t t = 0; t < k % 64; t++) word |= (uint64_t)(x[64 * full + t] >= 0.0f) << t;
    out[full] = word;
  }
}

/* bits_pack_rows: rows x k floats into rows of bits_words(k) words. */
static void pack_rows(const float *x, size_t rows, size_t k, uint64_t *out) {
  for (size_t r = 0; r < rows; r++) pack_row(x + r * k, k, out + r * bits_words(k));
}

/* a = +1 where z >= 0 (zeros included), else -1 (NaN included). */
static void sign_floats(const float *z, size_t count, float *a) {
  for (size_t j = 0; j < count; j++) a[j] = z[j] >= 0.0f ? 1.0f : -1.0f;
}

/* dst[j] += src[j] over count floats (convolution's col2im, the weight
 * gradient's chunk sums, a shortcut's sum). */
static void add_into(float *restrict dst, const float *restrict src, size_t count) {
  for (size_t j = 0; j < count; j++) dst[j] += src[j];
}

/* ste_backward: dz = da where |z| <= 1, else 0. */
static void ste_backward_loop(const float *da, const float *z, size_t count, float *dz) {
  for (size_t j = 0; j < count; j++) dz[j] = fabsf(z[j]) <= 1.0f ? da[j] : 0.0f;
}

/* maxpool2_forward's window over C channels: y[c] = the first largest of
 * v0[c] .. v3[c] (the first NaN if there is one) and w[c] which of the four
 * gave it. Two passes without branches, so each runs as vector code: the
 * largest by strict comparisons (NaN compares false, so it never wins
 * there, and is put back after), then the first input equal to it. */
static void max_window_loop(const float *restrict v0, const float *restrict v1,
                            const float *restrict v2, const float *restrict v3, size_t C,
                            float *restrict y, uint8_t *restrict w) {
  for (size_t c = 0; c < C; c++) {
    float a = v0[c], b = v1[c], d = v2[c], e = v3[c], best = a;
    best = b > best ? b : best;
    best = d > best ? d : best;
    best = e > best ? e : best;
    float first_nan = a != a ? a : b != b ? b : d != d ? d : e;
    y[c] = first_nan != first_nan ? first_nan : best;
  }
  for (size_t c = 0; c < C; c++) {
    float m = y[c];
    uint8_t first_equal = v0[c] == m ? 0 : v1[c] == m ? 1 : v2[c] == m ? 2 : 3;
    uint8_t first_nan = v0[c] != v0[c] ? 0 : v1[c] != v1[c] ? 1 : v2[c] != v2[c] ? 2 : 3;
    w[c] = m != m ? first_nan : first_equal;
  }
}

/* maxpool2_backward's window over C channels: dy[c] goes to the input w[c]
 * chose (d0 .. d3 for inputs 0 .. 3), 0 to the three others, so every input
 * is written. Selects, not branches: the winners are random. */
static void max_window_backward_loop(const float *restrict dy, const uint8_t *restrict w,
                                     size_t C, float *restrict d0, float *restrict d1,
                                     float *restrict d2, float *restrict d3) {
  for (size_t c = 0; c < C; c++) {
    float g = dy[c];
    uint8_t at = w[c];
    d0[c] = at == 0 ? g : 0.0f;
    d1[c] = at == 1 ? g : 0.0f;
    d2[c] = at == 2 ? g : 0.0f;
    d3[c] = at == 3 ? g : 0.0f;
  }
}

/* Batch norm's loops over a block of rows of N features (batchnorm.c splits
 * the rows and sums the blocks' partial sums in block order). Rows outer,
 * features inner, so the inner loop is contiguous.
 *
 * bn_sums: sum[n] = the sum over rows r, in order from 0, of x[r][n]. */
static void bn_sums_loop(const float *x, size_t rows, size_t N, float *sum) {
  memset(sum, 0, N * sizeof *sum);
  for (size_t r = 0; r < rows; r++)
    for (size_t n = 0; n < N; n++) sum[n] += x[r * N + n];
}

/* bn_squares: sq[n] = the sum over rows r, in order from 0, of the centred
 * value (x[r][n] - mean[n])^2. Batch norm keeps only x and the mean: each
 * loop takes the centred value afresh, the same difference each time, and
 * xhat = centred rstd, the same product. */
static void bn_squares_loop(const float *x, size_t rows, size_t N, const float *mean,
                            float *sq) {
  memset(sq, 0, N * sizeof *sq);
  for (size_t r = 0; r < rows; r++)
    for (size_t n = 0; n < N; n++) {
      float centred = x[r * N + n] - mean[n];
      sq[n] += centred * centred;
    }
}

/* bn_normalize: y = scale xhat + shift. */
static void bn_normalize_loop(const float *x, size_t rows, size_t N, const float *mean,
                              const float *rstd, const float *scale, const float *shift,
                              float *y) {
  for (size_t r = 0; r < rows; r++)
    for (size_t n = 0; n < N; n++)
      y[r * N + n] = scale[n] * ((x[r * N + n] - mean[n]) * rstd[n]) + shift[n];
}

/* bn_forward_eval: the roots are taken once per feature, a block of
 * features at a time, and divided by as the formula says. */
static void bn_forward_eval_loop(const float *x, size_t B, size_t N, const float *scale,
                                 const float *shift, const float *run_mean, const float *run_var,
                                 float *y) {
  enum { BLOCK = 256 };
  float root[BLOCK];
  for (size_t n0 = 0; n0 < N; n0 += BLOCK) {
    size_t n1 = n0 + BLOCK < N ? n0 + BLOCK : N;
    for (size_t n = n0; n < n1; n++) root[n - n0] = sqrtf(run_var[n] + BN_EPS);
    for (size_t b = 0; b < B; b++)
      for (size_t n = n0; n < n1; n++)
        y[b * N + n] = scale[n] * ((x[b * N + n] - run_mean[n]) / root[n - n0]) + shift[n];
  }
}

/* bn_grad_sums: dshift[n] = the sum over rows, in order from 0, of dy, and
 * dscale[n] that of dy xhat. */
static void bn_grad_sums_loop(const float *dy, const float *x, const float *mean,
                              const float *rstd, size_t rows, size_t N, float *dshift,
                              float *dscale) {
  memset(dshift, 0, N * sizeof *dshift);
  memset(dscale, 0, N * sizeof *dscale);
  for (size_t r = 0; r < rows; r++)
    for (size_t n = 0; n < N; n++) {
      dshift[n] += dy[r * N + n];
      dscale[n] += dy[r * N + n] * ((x[r * N + n] - mean[n]) * rstd[n]);
    }
}

/* bn_input_grad: dx = scale rstd / B (B dy - dshift - xhat dscale) over a
 * block of rows, B the rows of the whole batch. dx may alias dy. */
static void bn_input_grad_loop(const float *dy, const float *x, const float *mean, size_t rows,
                               size_t N, const float *rstd, const float *scale,
                               const float *dshift, const float *dscale, size_t B, float *dx) {
  const float fb = (float)B, inv_b = 1.0f / fb;
  for (size_t r = 0; r < rows; r++)
    for (size_t n = 0; n < N; n++)
      dx[r * N + n] = scale[n] * rstd[n] * inv_b *
                      (fb * dy[r * N + n] - dshift[n] -
                       (x[r * N + n] - mean[n]) * rstd[n] * dscale[n]);
}

#endif
