/* matmul_avx512_bf16.c — the bf16 products with AVX-512 BF16 where AMX is
 * absent. It pays on AMD Zen 4 and later, where VDPBF16PS issues as fast as
 * VFMADD231PS and so does twice its multiply-accumulates; Intel cores issue
 * it at a quarter of FMA's rate (README.md, "How it is built").
 *
 * The operands come packed into bf16 tiles as for AMX (matmul_packed.h).
 * VDPBF16PS adds, to each of 16 fp32 lanes, the two products of a pair of
 * bf16: with A's pair (row m, k 2q and 2q+1) broadcast and row q of a B
 * tile (the pairs of 16 columns), one instruction adds the pair's share to
 * C(m, 16 columns). A block of ROWS rows of an A panel by two B panels (32
 * columns) keeps its 2 ROWS accumulators in registers over the whole of K:
 *
 *   for each step s, pair q:  C[r][0..31] += A[r](s, q) . B(s, q)[0..31]
 *
 * so every element's sum runs over the pairs of k in order, whatever M and
 * N are. The products of bf16 numbers are exact in fp32, so the result
 * differs from the bf16 reference only in the order of the fp32 sums (pairs
 * first) and in denormals, which VDPBF16PS flushes to zero, as TDPBF16PS
 * does.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "engine/bf16_tiles.h"
#include "engine/matmul_packed.h"

enum { ROWS = 8 }; /* rows per block: 16 accumulators, 2 B rows, 1 broadcast */

/* A's pair q of row r in a tile, in all 16 lanes. */
static inline __m512bh pair_broadcast(const uint16_t *tile, size_t r, size_t q) {
  uint32_t pair;
  memcpy(&pair, tile + r * TILE_K + 2 * q, sizeof pair);
  return (__m512bh)_mm512_set1_epi32((int)pair);
}

/* C rows m0 .. m0 + ROWS (those below M) by the 32 columns from n0 (those
 * below N) = rows r0 .. r0 + ROWS of A panel `a` times B panels b0 and b1
 * (b1 may repeat b0 when there is no second panel; its columns are then
 * past N and not stored), over the first `pairs` pairs of k: the padding
 * after them adds nothing. */
static void rows_block(const uint16_t *a, const uint16_t *b0, const uint16_t *b1, size_t pairs,
                       size_t r0, size_t m0, size_t n0, size_t M, size_t N, float *c,
                       size_t ldc) {
  __m512 left[ROWS], right[ROWS];
#pragma GCC unroll 8 /* fully, so that the accumulators stay registers */
  for (int r = 0; r < ROWS; r++) left[r] = right[r] = _mm512_setzero_ps();
  for (size_t s = 0; s * TILE_K / 2 < pairs; s++) {
    const uint16_t *at = a + s * TILE_ELEMS, *x0 = b0 + s * TILE_ELEMS, *x1 = b1 + s * TILE_ELEMS;
    size_t step_pairs = pairs - s * TILE_K / 2 < TILE_K / 2 ? pairs - s * TILE_K / 2 : TILE_K / 2;
    for (size_t q = 0; q < step_pairs; q++) {
      __m512bh y0 = (__m512bh)_mm512_load_si512(x0 + q * TILE_K);
      __m512bh y1 = (__m512bh)_mm512_load_si512(x1 + q * TILE_K);
#pragma GCC unroll 8
      for (int r = 0; r < ROWS; r++) {
        __m512bh p = pair_broadcast(at, r0 + (size_t)r, q);
        left[r] = _mm512_dpbf16_ps(left[r], p, y0);
        right[r] = _mm512_dpbf16_ps(right[r], p, y1);
      }
    }
  }
  __mmask16 lo = first_lanes(valid16(N, n0)), hi = first_lanes(valid16(N, n0 + TILE_N));
#pragma GCC unroll 8
  for (int r = 0; r < ROWS; r++) {
    if (m0 + (size_t)r >= M) break;
    float *row = c + (m0 + (size_t)r) * ldc + n0;
    _mm512_mask_storeu_ps(row, lo, left[r]);
    if (hi) _mm512_mask_storeu_ps(row + TILE_N, hi, right[r]);
  }
}

/* C (M x N) = the packed A . B: for each pair of B panels, every block of
 * ROWS rows of every A panel, so that the two panels' tiles stay in cache
 * while A streams past them. */
static void multiply(const Packed *pk, size_t M, size_t N, float *c, size_t ldc) {
  const size_t panel = pk->steps * TILE_ELEMS;
  for (size_t pn = 0; pn < pk->n_panels; pn += 2) {
    const uint16_t *b0 = pk->b + pn * panel;
    const uint16_t *b1 = pn + 1 < pk->n_panels ? b0 + panel : b0;
    for (size_t pm = 0; pm < pk->m_panels; pm++)
      for (size_t r0 = 0; r0 < TILE_M && pm * TILE_M + r0 < M; r0 += ROWS)
        rows_block(pk->a + pm * panel, b0, b1, pk->pairs, r0, pm * TILE_M + r0, pn * TILE_N, M,
                   N, c, ldc);
  }
}

PACKED_VARIANT(avx512_bf16, multiply)

const MatmulKernels matmul_avx512_bf16 = {
    .name = "bf16 (AVX-512 BF16)", .nt = avx512_bf16_nt, .tn = avx512_bf16_tn,
    .nn = avx512_bf16_nn, .tn_gathered = avx512_bf16_tn_gathered,
    .nt_signs = avx512_bf16_nt_signs, .tn_signs = avx512_bf16_tn_signs,
    .nn_signs = avx512_bf16_nn_signs, .blocks = avx512_bf16_blocks};
