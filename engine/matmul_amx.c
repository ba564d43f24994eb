/* matmul_amx.c — the bf16 products on AMX tiles (matmul.h).
 *
 * Both operands are rounded to bf16 (bf16.h) and packed, zero-padded, into
 * whole tiles: A in 16-row panels of 32 k per row, B in 16-column panels with
 * pairs of k interleaved (the VNNI layout TDPBF16PS reads), each tile one
 * contiguous KiB. TDPBF16PS then adds the 16 x 32 by 32 x 16 products of one
 * A tile and one B tile into a 16 x 16 fp32 tile of C; a 2 x 2 block of C
 * tiles keeps its four accumulators in tile registers over the whole of K.
 * The products of bf16 numbers are exact in fp32, so the result differs from
 * the bf16 reference only in the order of the fp32 sums. Runs only where
 * amx_bf16_missing() is NULL (the process has the tile permission).
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bf16.h"
#include "engine/matmul_kernels.h"

enum {
  TILE_M = 16,                     /* rows of an A or C tile */
  TILE_N = 16,                     /* columns of a B or C tile */
  TILE_K = 32,                     /* k per tile: 16 pairs */
  TILE_ELEMS = TILE_M * TILE_K,    /* bf16 in a tile: 1 KiB */
  TILE_STRIDE = 64                 /* bytes per tile row */
};

/* The operands of one product, packed: panel p's step s (k from 32 s) is the
 * tile at base + (p * steps + s) * TILE_ELEMS. */
typedef struct {
  uint16_t *a, *b;
  size_t m_panels, n_panels, steps;
} Packed;

/* A (M x K) into 16-row panels: tile row r holds A(16 p + r, 32 s .. 32 s + 31). */
static void pack_a(MatmulView A, size_t M, size_t K, Packed *pk) {
  for (size_t p = 0; p < pk->m_panels; p++)
    for (size_t s = 0; s < pk->steps; s++) {
      uint16_t *tile = pk->a + (p * pk->steps + s) * TILE_ELEMS;
      for (size_t r = 0; r < TILE_M; r++) {
        size_t m = p * TILE_M + r, k0 = s * TILE_K;
        for (size_t kk = 0; kk < TILE_K; kk++)
          tile[r * TILE_K + kk] = m < M && k0 + kk < K ? bf16_round(matmul_at(A, m, k0 + kk)) : 0;
      }
    }
}

/* B (K x N) into 16-column panels: tile row q holds, for each column j, the
 * pair B(32 s + 2 q, n), B(32 s + 2 q + 1, n) with n = 16 p + j. */
static void pack_b(MatmulView B, size_t K, size_t N, Packed *pk) {
  for (size_t p = 0; p < pk->n_panels; p++)
    for (size_t s = 0; s < pk->steps; s++) {
      uint16_t *tile = pk->b + (p * pk->steps + s) * TILE_ELEMS;
      for (size_t kk = 0; kk < TILE_K; kk++) {
        size_t k = s * TILE_K + kk;
        uint16_t *row = tile + kk / 2 * TILE_K + kk % 2;
        for (size_t j = 0; j < TILE_N; j++) {
          size_t n = p * TILE_N + j;
          row[2 * j] = k < K && n < N ? bf16_round(matmul_at(B, k, n)) : 0;
        }
      }
    }
}

/* This thread's packing buffer (freed when the thread ends). */
typedef struct {
  void *base;
  size_t bytes;
} Scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p) {
  Scratch *s = p;
  free(s->base);
  free(s);
}

static void scratch_key_create(void) { pthread_key_create(&scratch_key, scratch_free); }

/* At least `bytes` of 64-byte-aligned memory for this thread, or NULL. */
static void *scratch(size_t bytes) {
  pthread_once(&scratch_once, scratch_key_create);
  Scratch *s = pthread_getspecific(scratch_key);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s || pthread_setspecific(scratch_key, s)) {
      free(s);
      return NULL;
    }
  }
  if (s->bytes < bytes) {
    free(s->base);
    s->bytes = (bytes + 4095) / 4096 * 4096;
    s->base = aligned_alloc(64, s->bytes);
    if (!s->base) s->bytes = 0;
  }
  return s->base;
}

/* The tile configuration: palette 1, all eight tiles 16 rows of 64 bytes. */
typedef struct {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} TileConfig;

static void tiles_configure(void) {
  TileConfig cfg = {.palette = 1};
  for (int t = 0; t < 8; t++) {
    cfg.rows[t] = TILE_M;
    cfg.colsb[t] = TILE_STRIDE;
  }
  _tile_loadconfig(&cfg);
}

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

/* C (M x N) = A . B with A and B rounded to bf16. Falls back to the bf16
 * reference only if the packing buffer cannot be had. */
static void amx_product(size_t M, size_t N, size_t K, MatmulView A, MatmulView B, float *c,
                        size_t ldc) {
  if (!M || !N) return;
  Packed pk = {.m_panels = (M + TILE_M - 1) / TILE_M, .n_panels = (N + TILE_N - 1) / TILE_N,
               .steps = (K + TILE_K - 1) / TILE_K};
  size_t a_elems = pk.m_panels * pk.steps * TILE_ELEMS;
  size_t b_elems = pk.n_panels * pk.steps * TILE_ELEMS;
  pk.a = scratch((a_elems + b_elems) * sizeof(uint16_t));
  if (!pk.a) {
    matmul_ref_product(M, N, K, A, B, c, ldc, 1);
    return;
  }
  pk.b = pk.a + a_elems;
  pack_a(A, M, K, &pk);
  pack_b(B, K, N, &pk);
  Out o = {.c = c, .ldc = ldc, .M = M, .N = N};
  tiles_configure();
  for (size_t pm = 0; pm < pk.m_panels; pm += 2)
    for (size_t pn = 0; pn < pk.n_panels; pn += 2)
      tile_block(&pk, pm, pn, pm + 1 < pk.m_panels, pn + 1 < pk.n_panels, &o);
  _tile_release();
}

MATMUL_SHAPES(amx, amx_product)

const MatmulKernels matmul_amx_bf16 = {"bf16 (AMX)", amx_nt, amx_tn, amx_nn};
