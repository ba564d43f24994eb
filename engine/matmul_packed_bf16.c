/* matmul_packed_bf16.c — the packing the tile-multiplying bf16 variants
 * share (matmul_packed.h), and their entry points.
 *
 * Both operands are rounded to bf16 (VCVTNE2PS2BF16, bf16_tiles.h) and
 * packed, zero-padded, into whole tiles: A in 16-row panels of 32 k per row,
 * B in 16-column panels with pairs of k interleaved (the VNNI layout
 * TDPBF16PS and VDPBF16PS read), each tile one contiguous KiB. A B operand of
 * +-1 given as sign bits (MatmulOperand) is packed from its bits instead,
 * reading 1/32 of the floats' bytes for the same tiles (+-1 is exact in
 * bf16, so the result is the same as from its floats), and a B given in runs
 * (MatmulGathered, a convolution's im2col rows read from its input) from
 * those runs, the same tiles as from B stored. Runs only where AVX-512 BF16
 * does (bf16_products_missing() is NULL).
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/bf16_tiles.h"
#include "engine/bitpack.h"
#include "engine/matmul_packed.h"

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

/* Row k of B gathered, or all NULL (zeros) past K. */
static inline void gathered_row(const MatmulGathered *B, size_t K, size_t k, size_t panels,
                                const float **runs) {
  if (k < K) B->row_runs(B->ctx, k, runs);
  else
    for (size_t p = 0; p < panels; p++) runs[p] = NULL;
}

/* B gathered (MatmulGathered) into the panels as pack_b packs B stored with
 * rows along n: each pair of rows fills row q of one tile in every panel,
 * from the same floats, so the tiles are the same. */
static void pack_b_gathered(const MatmulGathered *B, size_t K, const Packed *pk) {
  const float *lo_runs[MATMUL_MAX_RUNS], *hi_runs[MATMUL_MAX_RUNS];
  const __m512 zero = _mm512_setzero_ps();
  const size_t panels = pk->n_panels, panel_elems = pk->steps * TILE_ELEMS;
  for (size_t k = 0; k < pk->steps * TILE_K; k += 2) {
    gathered_row(B, K, k, panels, lo_runs);
    gathered_row(B, K, k + 1, panels, hi_runs);
    uint16_t *row = b_row(pk, 0, k / TILE_K, k % TILE_K / 2);
    for (size_t p = 0; p < panels; p++) {
      __m512 lo = lo_runs[p] ? _mm512_loadu_ps(lo_runs[p]) : zero;
      __m512 hi = hi_runs[p] ? _mm512_loadu_ps(hi_runs[p]) : zero;
      _mm512_store_si512(row + p * panel_elems, round32_paired(lo, hi));
    }
  }
}

static void pack_a(MatmulView A, size_t M, size_t K, const Packed *pk) {
  for (size_t p = 0; p < pk->m_panels; p++)
    for (size_t s = 0; s < pk->steps; s++)
      pack_a_tile(A, M, K, p * TILE_M, s * TILE_K, pk->a + (p * pk->steps + s) * TILE_ELEMS);
}

/* One tile row of +-1 pairs: u32 lane j holds bf16 +1 or -1 as bit j of lo
 * is set or not in its low half, the same of hi in its high half; halves
 * outside valid_lo / valid_hi are zero. */
static inline __m512i signs_paired(__mmask16 lo, __mmask16 hi, __mmask16 valid_lo,
                                   __mmask16 valid_hi) {
  const __m512i plus = _mm512_set1_epi32(0x3f80), minus = _mm512_set1_epi32(0xbf80);
  __m512i l = _mm512_maskz_mov_epi32(valid_lo, _mm512_mask_blend_epi32(lo, minus, plus));
  __m512i h = _mm512_maskz_mov_epi32(valid_hi, _mm512_mask_blend_epi32(hi, minus, plus));
  return _mm512_or_si512(l, _mm512_slli_epi32(h, 16));
}

/* Bits c .. c + 15 of a packed row of `words` words (zeros past its end). */
static inline __mmask16 bits16(const uint64_t *row, size_t words, size_t c) {
  size_t w = c / 64, shift = c % 64;
  uint64_t v = row[w] >> shift;
  if (shift > 48 && w + 1 < words) v |= row[w + 1] << (64 - shift);
  return (__mmask16)v;
}

/* B (K x N) = S[0 .. K, first .. first + N] from S's sign bits (tn, nn):
 * tile row q of panel p, step s pairs rows k0 + 2 q and k0 + 2 q + 1 of S
 * over the 16 columns of the panel, as pack_b does from floats. */
static void pack_b_sign_rows(const MatmulOperand *S, size_t first, size_t K, size_t N,
                             const Packed *pk) {
  size_t words = bits_words(S->cols);
  for (size_t p = 0; p < pk->n_panels; p++) { /* each panel's tiles written front to back */
    size_t n0 = p * TILE_N, c = first + n0;
    __mmask16 cols = first_lanes(valid16(N, n0));
    for (size_t k = 0; k < pk->steps * TILE_K; k += 2) {
      __mmask16 valid_lo = k < K ? cols : 0, valid_hi = k + 1 < K ? cols : 0;
      __mmask16 lo = valid_lo ? bits16(S->signs + k * words, words, c) : 0;
      __mmask16 hi = valid_hi ? bits16(S->signs + (k + 1) * words, words, c) : 0;
      _mm512_store_si512(b_row(pk, p, k / TILE_K, k % TILE_K / 2),
                         signs_paired(lo, hi, valid_lo, valid_hi));
    }
  }
}

/* B (K x N) = S[first .. first + N, 0 .. K]^T from S's sign bits (nt): the
 * 32 bits of S row first + n0 + j from k0 are lane j of one vector, and tile
 * row q takes bits 2 q and 2 q + 1 of every lane. */
static void pack_b_sign_columns(const MatmulOperand *S, size_t first, size_t K, size_t N,
                                const Packed *pk) {
  size_t words = bits_words(S->cols);
  const __m512i lanes =
      _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                         _mm512_set1_epi32((int)(2 * words)));
  const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2);
  for (size_t p = 0; p < pk->n_panels; p++) {
    size_t n0 = p * TILE_N;
    __mmask16 cols = first_lanes(valid16(N, n0));
    const uint32_t *rows = (const uint32_t *)(S->signs + (first + n0) * words);
    for (size_t s = 0; s < pk->steps; s++) {
      size_t k0 = s * TILE_K;
      __m512i bits = _mm512_mask_i32gather_epi32(
          _mm512_setzero_si512(), cols, _mm512_add_epi32(lanes, _mm512_set1_epi32((int)(k0 / 32))),
          rows, 4);
      for (size_t q = 0; q < TILE_K / 2; q++) {
        size_t k = k0 + 2 * q;
        __m512i at = _mm512_srli_epi32(bits, (unsigned)(2 * q));
        _mm512_store_si512(
            b_row(pk, p, s, q),
            signs_paired(_mm512_test_epi32_mask(at, one), _mm512_test_epi32_mask(at, two),
                         k < K ? cols : 0, k + 1 < K ? cols : 0));
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

/* Room for the tiles of a product (pk's counts and pointers), or 0 if the
 * packing buffer cannot be had. */
static int packed_for(size_t M, size_t N, size_t K, Packed *pk) {
  *pk = (Packed){.m_panels = (M + TILE_M - 1) / TILE_M, .n_panels = (N + TILE_N - 1) / TILE_N,
                 .steps = (K + TILE_K - 1) / TILE_K, .pairs = (K + 1) / 2};
  size_t a_elems = pk->m_panels * pk->steps * TILE_ELEMS;
  size_t b_elems = pk->n_panels * pk->steps * TILE_ELEMS;
  pk->a = scratch((a_elems + b_elems) * sizeof(uint16_t));
  pk->b = pk->a ? pk->a + a_elems : NULL;
  return pk->a != NULL;
}

/* Falls back to the bf16 reference only if the packing buffer cannot be had. */
void packed_product(PackedMultiply multiply, size_t M, size_t N, size_t K, MatmulView A,
                    MatmulView B, float *c, size_t ldc) {
  if (!M || !N) return;
  Packed pk;
  if (!packed_for(M, N, K, &pk)) {
    matmul_ref_product(M, N, K, A, B, c, ldc, 1);
    return;
  }
  pack_a(A, M, K, &pk);
  pack_b(B, K, N, &pk);
  multiply(&pk, M, N, c, ldc);
}

void packed_signs_product(PackedMultiply multiply, size_t M, size_t N, size_t K, MatmulView A,
                          const MatmulOperand *S, size_t first, int transposed, float *c,
                          size_t ldc) {
  if (!M || !N) return;
  Packed pk;
  if (!packed_for(M, N, K, &pk)) {
    MatmulView B = transposed ? (MatmulView){S->values + first * S->cols, 1, S->cols}
                              : (MatmulView){S->values + first, S->cols, 1};
    matmul_ref_product(M, N, K, A, B, c, ldc, 1);
    return;
  }
  pack_a(A, M, K, &pk);
  if (transposed) pack_b_sign_columns(S, first, K, N, &pk);
  else pack_b_sign_rows(S, first, K, N, &pk);
  multiply(&pk, M, N, c, ldc);
}

void packed_tn_gathered(PackedMultiply multiply, size_t M, size_t N, size_t K, const float *a,
                        size_t lda, const MatmulGathered *b, float *c, size_t ldc) {
  if (!M || !N) return;
  Packed pk;
  if (!packed_for(M, N, K, &pk)) {
    matmul_ref_bf16.tn_gathered(M, N, K, a, lda, b, c, ldc);
    return;
  }
  pack_a((MatmulView){a, 1, lda}, M, K, &pk);
  pack_b_gathered(b, K, &pk);
  multiply(&pk, M, N, c, ldc);
}

/* Falls back to the bf16 reference, block by block, only if the packing
 * buffer cannot be had. */
void packed_blocks(PackedMultiply multiply, int a_transposed, size_t M, size_t N, size_t K,
                   const float *a, size_t lda, const MatmulOperand *s, float *c, size_t ldc,
                   const MatmulBlocks *blocks) {
  Packed pk;
  if (!M || !N || !packed_for(blocks->rows < M ? blocks->rows : M, N, K, &pk)) {
    matmul_each_block(&matmul_ref_bf16, a_transposed, M, N, K, a, lda, s, c, ldc, blocks);
    return;
  }
  if (s->signs) pack_b_sign_rows(s, 0, K, N, &pk);
  else pack_b((MatmulView){s->values, s->cols, 1}, K, N, &pk);
  for (size_t r0 = 0; r0 < M; r0 += blocks->rows) {
    size_t r1 = r0 + blocks->rows < M ? r0 + blocks->rows : M;
    Packed rows = pk;
    rows.m_panels = (r1 - r0 + TILE_M - 1) / TILE_M;
    pack_a(a_transposed ? (MatmulView){a + r0, 1, lda} : (MatmulView){a + r0 * lda, lda, 1},
           r1 - r0, K, &rows);
    multiply(&rows, r1 - r0, N, blocks->at_c ? c : c + r0 * ldc, ldc);
    blocks->done(blocks->ctx, r0, r1);
  }
}
