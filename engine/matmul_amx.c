/* matmul_amx.c — the bf16 products on AMX tiles (matmul.h).
 *
 * Both operands are rounded to bf16 and packed, zero-padded, into
 * whole tiles: A in 16-row panels of 32 k per row, B in 16-column panels with
 * pairs of k interleaved (the VNNI layout TDPBF16PS reads), each tile one
 * contiguous KiB. TDPBF16PS then adds the 16 x 32 by 32 x 16 products of one
 * A tile and one B tile into a 16 x 16 fp32 tile of C; a 2 x 2 block of C
 * tiles keeps its four accumulators in tile registers over the whole of K.
 * The products of bf16 numbers are exact in fp32, so the result differs from
 * the bf16 reference only in the order of the fp32 sums (and in denormals,
 * which flush to zero). Runs only where
 * amx_bf16_missing() is NULL (the process has the tile permission).
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* How many of the 16 elements from `start` lie below `total`. */
static inline size_t valid16(size_t total, size_t start) {
  return start >= total ? 0 : total - start < 16 ? total - start : 16;
}

/* The first `count` (0..16) floats at p, zeros after (nothing else is read). */
static inline __m512 load16(const float *p, size_t count) {
  return _mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), p);
}

/* 32 bf16: lo's 16 floats rounded, then hi's (VCVTNE2PS2BF16: to nearest
 * even, as bf16_round, but denormals flush to zero as they do in TDPBF16PS). */
static inline __m512i round32(__m512 lo, __m512 hi) {
  return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

/* round32 with lo's and hi's elements interleaved: the u32 j holds the pair
 * (lo[j], hi[j]), as VNNI rows pair two k. */
static inline __m512i round32_paired(__m512 lo, __m512 hi) {
  const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9,
                                         24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1,
                                         16, 0);
  return _mm512_permutexvar_epi16(pairs, round32(lo, hi));
}

/* Transposes 16 x 16 u32 in place (r[i] u32 j becomes r[j] u32 i): pairs of
 * rows, quads within 128-bit lanes, then lanes across the quads. */
static inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int g = 0; g < 16; g += 4) { /* r[g + c] lane L: rows g..g+3 of column 4 L + c */
    r[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
    r[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
    r[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
    r[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
  }
  for (int c = 0; c < 4; c++) {
    __m512i x0 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0x44), x1 = _mm512_shuffle_i32x4(r[c], r[4 + c], 0xee);
    __m512i y0 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0x44);
    __m512i y1 = _mm512_shuffle_i32x4(r[8 + c], r[12 + c], 0xee);
    t[c] = _mm512_shuffle_i32x4(x0, y0, 0x88);
    t[4 + c] = _mm512_shuffle_i32x4(x0, y0, 0xdd);
    t[8 + c] = _mm512_shuffle_i32x4(x1, y1, 0x88);
    t[12 + c] = _mm512_shuffle_i32x4(x1, y1, 0xdd);
  }
  for (int i = 0; i < 16; i++) r[i] = t[i];
}

/* Stores the 16 rows of a tile. */
static inline void store_tile_rows(uint16_t *tile, const __m512i rows[16]) {
  for (int i = 0; i < 16; i++) _mm512_store_si512(tile + i * TILE_K, rows[i]);
}

static inline const float *view_at(MatmulView v, size_t r, size_t c) {
  return v.p + r * v.row + c * v.col;
}

/* A (M x K) into 16-row panels: tile row r holds A(16 p + r, 32 s .. 32 s + 31).
 * Rows of A run along k (nt, nn) or along m (tn: pairs of rows are
 * transposed); MATMUL_SHAPES makes no other views. */
static void pack_a_tile(MatmulView A, size_t M, size_t K, size_t m0, size_t k0, uint16_t *tile) {
  if (A.col == 1) {
    for (size_t r = 0; r < TILE_M; r++) {
      int in = m0 + r < M;
      __m512 lo = in ? load16(view_at(A, m0 + r, k0), valid16(K, k0)) : _mm512_setzero_ps();
      __m512 hi = in ? load16(view_at(A, m0 + r, k0 + 16), valid16(K, k0 + 16)) : lo;
      _mm512_store_si512(tile + r * TILE_K, in ? round32(lo, hi) : _mm512_setzero_si512());
    }
    return;
  }
  size_t rows = valid16(M, m0);
  __m512i pairs[16]; /* pairs[q] u32 r: A(m0 + r, k0 + 2 q), A(m0 + r, k0 + 2 q + 1) */
  for (size_t q = 0; q < TILE_K / 2; q++) {
    size_t k = k0 + 2 * q;
    __m512 lo = k < K ? load16(view_at(A, m0, k), rows) : _mm512_setzero_ps();
    __m512 hi = k + 1 < K ? load16(view_at(A, m0, k + 1), rows) : _mm512_setzero_ps();
    pairs[q] = round32_paired(lo, hi);
  }
  transpose16(pairs);
  store_tile_rows(tile, pairs);
}

/* Where row q of B's tile (panel p, step s) starts. */
static inline uint16_t *b_row(const Packed *pk, size_t p, size_t s, size_t q) {
  return pk->b + (p * pk->steps + s) * TILE_ELEMS + q * TILE_K;
}

/* B (K x N) into 16-column panels: tile row q holds, for each column j, the
 * pair B(k0 + 2 q, n0 + j), B(k0 + 2 q + 1, n0 + j). When B's rows run along
 * n (tn, nn), each pair of them fills row q of one tile in every panel, so B
 * is read front to back; when they run along k (nt), each tile is a
 * transpose of 16 columns' pairs. */
static void pack_b(MatmulView B, size_t K, size_t N, const Packed *pk) {
  const __m512 zero = _mm512_setzero_ps();
  if (B.col == 1) {
    for (size_t k = 0; k < pk->steps * TILE_K; k += 2)
      for (size_t p = 0; p < pk->n_panels; p++) {
        size_t n0 = p * TILE_N, cols = valid16(N, n0);
        __m512 lo = k < K ? load16(view_at(B, k, n0), cols) : zero;
        __m512 hi = k + 1 < K ? load16(view_at(B, k + 1, n0), cols) : zero;
        _mm512_store_si512(b_row(pk, p, k / TILE_K, k % TILE_K / 2), round32_paired(lo, hi));
      }
    return;
  }
  for (size_t p = 0; p < pk->n_panels; p++)
    for (size_t s = 0; s < pk->steps; s++) {
      __m512i cols[16]; /* cols[j] u32 q: the pair q of column n0 + j */
      for (size_t j = 0; j < TILE_N; j++) {
        size_t n = p * TILE_N + j, k0 = s * TILE_K;
        __m512 lo = n < N ? load16(view_at(B, k0, n), valid16(K, k0)) : zero;
        __m512 hi = n < N ? load16(view_at(B, k0 + 16, n), valid16(K, k0 + 16)) : zero;
        cols[j] = round32(lo, hi);
      }
      transpose16(cols);
      store_tile_rows(b_row(pk, p, s, 0), cols);
    }
}

static void pack(MatmulView A, MatmulView B, size_t M, size_t N, size_t K, Packed *pk) {
  for (size_t p = 0; p < pk->m_panels; p++)
    for (size_t s = 0; s < pk->steps; s++)
      pack_a_tile(A, M, K, p * TILE_M, s * TILE_K, pk->a + (p * pk->steps + s) * TILE_ELEMS);
  pack_b(B, K, N, pk);
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
  pack(A, B, M, N, K, &pk);
  Out o = {.c = c, .ldc = ldc, .M = M, .N = N};
  tiles_configure();
  for (size_t pm = 0; pm < pk.m_panels; pm += 2)
    for (size_t pn = 0; pn < pk.n_panels; pn += 2)
      tile_block(&pk, pm, pn, pm + 1 < pk.m_panels, pn + 1 < pk.n_panels, &o);
  _tile_release();
}

MATMUL_SHAPES(amx, amx_product)

const MatmulKernels matmul_amx_bf16 = {"bf16 (AMX)", amx_nt, amx_tn, amx_nn};
