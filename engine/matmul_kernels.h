/* matmul_kernels.h — internal: the operand views the matmul variants share.
 *
 * Each shape of matmul.h is one product C = A . B of views: A is M x K and B
 * is K x N, element (r, c) of a view at p[r * row + c * col], so a stored
 * transpose is the same memory with the strides swapped. A variant writes one
 * product of views; MATMUL_SHAPES makes its three entry points from it.
 */
#ifndef FLIPSCOPE_MATMUL_KERNELS_H
#define FLIPSCOPE_MATMUL_KERNELS_H

#include <stddef.h>

#include "engine/matmul.h"

typedef struct {
  const float *p;
  size_t row, col;
} MatmulView;

static inline float matmul_at(MatmulView v, size_t r, size_t c) {
  return v.p[r * v.row + c * v.col];
}

/* C[m][n] = sum over k = 0..K-1, in order, of A(m, k) * B(k, n) in fp32, on
 * the inputs or (bf16 != 0) on their bf16 roundings: the reference. */
void matmul_ref_product(size_t M, size_t N, size_t K, MatmulView A, MatmulView B, float *c,
                        size_t ldc, int bf16);

/* Defines prefix_nt, prefix_tn and prefix_nn (MatmulFn) on top of
 * product(M, N, K, A view, B view, c, ldc). */
#define MATMUL_SHAPES(prefix, product)                                                          \
  static void prefix##_nt(size_t M, size_t N, size_t K, const float *a, size_t lda,            \
                          const float *b, size_t ldb, float *c, size_t ldc) {                  \
    product(M, N, K, (MatmulView){a, lda, 1}, (MatmulView){b, 1, ldb}, c, ldc);                \
  }                                                                                             \
  static void prefix##_tn(size_t M, size_t N, size_t K, const float *a, size_t lda,            \
                          const float *b, size_t ldb, float *c, size_t ldc) {                  \
    product(M, N, K, (MatmulView){a, 1, lda}, (MatmulView){b, ldb, 1}, c, ldc);                \
  }                                                                                             \
  static void prefix##_nn(size_t M, size_t N, size_t K, const float *a, size_t lda,            \
                          const float *b, size_t ldb, float *c, size_t ldc) {                  \
    product(M, N, K, (MatmulView){a, lda, 1}, (MatmulView){b, ldb, 1}, c, ldc);                \
  }

#endif
