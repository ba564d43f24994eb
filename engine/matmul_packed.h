/* matmul_packed.h — internal: the bf16 products that multiply whole tiles
 * (the AMX variant, matmul_amx.c, and the AVX-512 BF16 one,
 * matmul_avx512_bf16.c), with the packing they share
 * (matmul_packed_bf16.c).
 *
 * Both operands are rounded to bf16 and packed, zero-padded, into whole
 * tiles (bf16_tiles.h): A in 16-row panels of 32 k per row, B in 16-column
 * panels with pairs of k interleaved, each tile one contiguous KiB. A
 * variant supplies only the multiplication of the packed tiles; the packing
 * (from floats, from sign bits, from gathered runs) and the entry points are
 * the same for both, so both read the same bf16 inputs and differ only in
 * the order of their fp32 sums.
 */
#ifndef FLIPSCOPE_MATMUL_PACKED_H
#define FLIPSCOPE_MATMUL_PACKED_H
#include <stddef.h>
#include <stdint.h>

#include "engine/matmul_kernels.h"

/* The operands of one product, packed: panel p's step s (k from 32 s) is the
 * tile at base + (p * steps + s) * TILE_ELEMS (bf16_tiles.h); pairs of k
 * from `pairs` on are padding (zeros). */
typedef struct {
  uint16_t *a, *b;
  size_t m_panels, n_panels, steps, pairs;
} Packed;

/* C (M x N) = the packed A . B: what a variant supplies. Every element's
 * sum must run over k in an order that does not depend on M or N, so that
 * blocks of rows give the whole product's bits. */
typedef void (*PackedMultiply)(const Packed *pk, size_t M, size_t N, float *c, size_t ldc);

/* C (M x N) = A . B of views, both rounded to bf16. */
void packed_product(PackedMultiply multiply, size_t M, size_t N, size_t K, MatmulView A,
                    MatmulView B, float *c, size_t ldc);
/* MatmulSignsFn's products: B the signs of S from row `first` (transposed,
 * nt) or column `first` (tn, nn), packed from its bits. */
void packed_signs_product(PackedMultiply multiply, size_t M, size_t N, size_t K, MatmulView A,
                          const MatmulOperand *S, size_t first, int transposed, float *c,
                          size_t ldc);
/* MatmulGatheredFn: tn with B packed from its runs. */
void packed_tn_gathered(PackedMultiply multiply, size_t M, size_t N, size_t K, const float *a,
                        size_t lda, const MatmulGathered *b, float *c, size_t ldc);
/* MatmulBlocksFn: B packed once, then each block's A packed and multiplied. */
void packed_blocks(PackedMultiply multiply, int a_transposed, size_t M, size_t N, size_t K,
                   const float *a, size_t lda, const MatmulOperand *s, float *c, size_t ldc,
                   const MatmulBlocks *blocks);

/* Defines the entry points of a MatmulKernels (prefix_nt, _tn, _nn,
 * _nt_signs, _tn_signs, _nn_signs, _tn_gathered, _blocks) on `multiply`. */
#define PACKED_VARIANT(prefix, multiply)                                                        \
  static void prefix##_product(size_t M, size_t N, size_t K, MatmulView A, MatmulView B,       \
                               float *c, size_t ldc) {                                          \
    packed_product(multiply, M, N, K, A, B, c, ldc);                                            \
  }                                                                                             \
  MATMUL_SHAPES(prefix, prefix##_product)                                                       \
  static void prefix##_nt_signs(size_t M, size_t N, size_t K, const float *a, size_t lda,      \
                                const MatmulOperand *s, size_t first, float *c, size_t ldc) {  \
    packed_signs_product(multiply, M, N, K, (MatmulView){a, lda, 1}, s, first, 1, c, ldc);     \
  }                                                                                             \
  static void prefix##_tn_signs(size_t M, size_t N, size_t K, const float *a, size_t lda,      \
                                const MatmulOperand *s, size_t first, float *c, size_t ldc) {  \
    packed_signs_product(multiply, M, N, K, (MatmulView){a, 1, lda}, s, first, 0, c, ldc);     \
  }                                                                                             \
  static void prefix##_nn_signs(size_t M, size_t N, size_t K, const float *a, size_t lda,      \
                                const MatmulOperand *s, size_t first, float *c, size_t ldc) {  \
    packed_signs_product(multiply, M, N, K, (MatmulView){a, lda, 1}, s, first, 0, c, ldc);     \
  }                                                                                             \
  static void prefix##_tn_gathered(size_t M, size_t N, size_t K, const float *a, size_t lda,   \
                                   const MatmulGathered *b, float *c, size_t ldc) {            \
    packed_tn_gathered(multiply, M, N, K, a, lda, b, c, ldc);                                   \
  }                                                                                             \
  static void prefix##_blocks(int a_transposed, size_t M, size_t N, size_t K, const float *a,  \
                              size_t lda, const MatmulOperand *s, float *c, size_t ldc,        \
                              const MatmulBlocks *blocks) {                                     \
    packed_blocks(multiply, a_transposed, M, N, K, a, lda, s, c, ldc, blocks);                  \
  }
#endif
