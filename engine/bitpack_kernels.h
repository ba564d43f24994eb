/* bitpack_kernels.h — internal: the per-variant binary GEMM kernels behind bgemm().
 *
 * Every kernel computes the same block of the product of bitpack.h,
 *   c[i][j] = k - 2 * popcount(a_i XOR b_j)   for i0 <= i < i1, j0 <= j < j1,
 * writing nothing else, so bgemm can hand disjoint blocks to threads. The
 * results are exact integers, so every variant gives bit-identical floats.
 * Each kernel may run only where simd_supported() says its variant can.
 */
#ifndef FLIPSCOPE_BITPACK_KERNELS_H
#define FLIPSCOPE_BITPACK_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint64_t *a; /* m x bits_words(k), row-major */
  const uint64_t *b; /* n x bits_words(k), row-major */
  float *c;          /* m x n, row-major */
  size_t m, n, k;    /* k >= 1 */
} BgemmProblem;

typedef void (*BgemmKernel)(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1);

void bgemm_scalar(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1);
void bgemm_avx2(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1);
void bgemm_avx512(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1);

#endif
