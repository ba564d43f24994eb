/* bitpack.h — sign matrices packed 64 per word, and the binary GEMM on them.
 *
 * Layout: a rows x k sign matrix is stored row-major, each row in
 * bits_words(k) uint64 words; bit (j % 64) of word (j / 64) is 1 for +1 and 0
 * for -1. Padding bits past k are always 0, in every operand, so they never
 * count as a mismatch.
 */
#ifndef FLIPSCOPE_BITPACK_H
#define FLIPSCOPE_BITPACK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/simd.h"

static inline size_t bits_words(size_t k) { return (k + 63) / 64; }

/* out[r] = packed signs of x[r][0..k), bit = (x >= 0): sign(0) = sign(-0) = +1,
 * sign(NaN) = -1 (as the float signs of activation.c).  x: rows x k floats. */
void bits_pack_rows(const float *x, size_t rows, size_t k, uint64_t *out);

/* Binary GEMM, c[i][j] = sum_t a[i][t] * b[j][t] over +-1 entries
 *                      = k - 2 * popcount(a_i XOR b_j).
 * a: m x k packed, b: n x k packed (both as bits_pack_rows), c: m x n floats
 * (exact: |c| <= k < 2^24). Runs the active SIMD variant. */
void bgemm(const uint64_t *a, const uint64_t *b, float *c, size_t m, size_t n, size_t k);

/* The same product by a named variant (tests and benchmarks); the CPU must
 * support it (simd_supported). */
void bgemm_variant(SimdLevel level, const uint64_t *a, const uint64_t *b, float *c,
                   size_t m, size_t n, size_t k);

#endif
