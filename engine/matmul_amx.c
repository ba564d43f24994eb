/* matmul_amx.c — the bf16 products on AMX tiles (matmul.h).
 *
 * The operands come packed into bf16 tiles (matmul_packed.h). TDPBF16PS
 * adds the 16 x 32 by 32 x 16 products of one A tile and one B tile into a
 * 16 x 16 fp32 tile of C; a 2 x 2 block of C tiles keeps its four
 * accumulators in tile registers over the whole of K. The products of bf16
 * numbers are exact in fp32, so the result differs from the bf16 reference
 * only in the order of the fp32 sums (and in denormals, which flush to
 * zero). Runs only where amx_bf16_missing() is NULL (the process has the
 * tile permission).
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "engine/amx_tiles.h"
#include "engine/matmul_packed.h"

/* Where C tile (pm, pn) goes: C itself when it is whole, else a 16 x 16 edge
 * buffer whose valid corner copy_edge then copies out. */
typedef struct {
  float *c;
  size_t ldc, M, N;
  float edge[TILE_M * TILE_N];
} Out;

static int tile_whole(const Out *o, size_t pm, size_t pn) {
  return (pm + 1) * TILE_M <= o->M && (pn + 1) * TILE_N <= o->N;
}

static void copy_edge(const Out *o, size_t pm, size_t pn) {
  size_t m0 = pm * TILE_M, n0 = pn * TILE_N;
  size_t rows = o->M - m0 < TILE_M ? o->M - m0 : TILE_M;
  size_t cols = o->N - n0 < TILE_N ? o->N - n0 : TILE_N;
  for (size_t r = 0; r < rows; r++)
    memcpy(o->c + (m0 + r) * o->ldc + n0, o->edge + r * TILE_N, cols * sizeof(float));
}

/* Stores accumulator t (a constant) as C tile (pm, pn). */
#define STORE_TILE(t, o, pm, pn)                                                      \
  do {                                                                                \
    if (tile_whole(o, pm, pn)) {                                                      \
      float *at = (o)->c + (pm) * TILE_M * (o)->ldc + (pn) * TILE_N;                  \
      _tile_stored(t, at, (o)->ldc * sizeof(float));                                  \
    } else {                                                                          \
      _tile_stored(t, (o)->edge, TILE_N * sizeof(float));                             \
      copy_edge(o, pm, pn);                                                           \
    }                                                                                 \
  } while (0)

/* C tiles (pm .. pm + two_m, pn .. pn + two_n): accumulators 0 (pm, pn),
 * 1 (pm, pn + 1), 2 (pm + 1, pn), 3 (pm + 1, pn + 1); A tiles in 4 and 5,
 * B tiles in 6 and 7. */
static void tile_block(const Packed *pk, size_t pm, size_t pn, int two_m, int two_n, Out *o) {
  const uint16_t *a0 = pk->a + pm * pk->steps * TILE_ELEMS, *a1 = a0 + pk->steps * TILE_ELEMS;
  const uint16_t *b0 = pk->b + pn * pk->steps * TILE_ELEMS, *b1 = b0 + pk->steps * TILE_ELEMS;
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (size_t s = 0; s < pk->steps; s++) {
    size_t at = s * TILE_ELEMS;
    _tile_loadd(4, a0 + at, TILE_STRIDE);
    _tile_loadd(6, b0 + at, TILE_STRIDE);
    _tile_dpbf16ps(0, 4, 6);
    if (two_n) {
      _tile_loadd(7, b1 + at, TILE_STRIDE);
      _tile_dpbf16ps(1, 4, 7);
    }
    if (two_m) {
      _tile_loadd(5, a1 + at, TILE_STRIDE);
      _tile_dpbf16ps(2, 5, 6);
      if (two_n) _tile_dpbf16ps(3, 5, 7);
    }
  }
  STORE_TILE(0, o, pm, pn);
  if (two_n) STORE_TILE(1, o, pm, pn + 1);
  if (two_m) STORE_TILE(2, o, pm + 1, pn);
  if (two_m && two_n) STORE_TILE(3, o, pm + 1, pn + 1);
}

/* C (M x N) = the packed A . B. */
static void multiply(const Packed *pk, size_t M, size_t N, float *c, size_t ldc) {
  Out o = {.c = c, .ldc = ldc, .M = M, .N = N};
  tiles_configure();
  for (size_t pm = 0; pm < pk->m_panels; pm += 2)
    for (size_t pn = 0; pn < pk->n_panels; pn += 2)
      tile_block(pk, pm, pn, pm + 1 < pk->m_panels, pn + 1 < pk->n_panels, &o);
  _tile_release();
}

PACKED_VARIANT(amx, multiply)

const MatmulKernels matmul_amx_bf16 = {
    .name = "bf16 (AMX)", .nt = amx_nt, .tn = amx_tn, .nn = amx_nn, .tn_gathered = amx_tn_gathered,
    .nt_signs = amx_nt_signs, .tn_signs = amx_tn_signs, .nn_signs = amx_nn_signs,
    .blocks = amx_blocks, .amx_convolution = 1};
