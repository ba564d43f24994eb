/* bitpack_avx512.c — the binary GEMM kernel for CPUs with AVX-512 VPOPCNTDQ.
 *
 * A block of 32 rows of b is first copied word-major into a panel, so one
 * 512-bit load holds the same word of 8 rows of b. A word of a row of a,
 * broadcast to 8 lanes, XORed with it and counted with VPOPCNTQ then adds the
 * mismatches of 8 (i, j) pairs at once, with no horizontal sums. A 6 x 32
 * tile of c keeps its 24 accumulators in registers for the whole of k.
 */
#include <immintrin.h>

#include "engine/bitpack.h"
#include "engine/bitpack_kernels.h"

enum {
  TILE_ROWS = 6,                /* rows of a per tile */
  TILE_VECS = 4,                /* 8-column vectors per tile */
  TILE_COLS = 8 * TILE_VECS,    /* rows of b per panel */
  CHUNK_WORDS = 64              /* words of k per panel: 16 KiB, stays in L1 */
};

/* Transposes 8 x 8 words, out[w] lane r = rows[r] lane w, in three rounds
 * of two-source shuffles: pairs of rows, quads of rows, all eight. */
static inline void transpose8x8(const __m512i rows[8], __m512i out[8]) {
  __m512i pairs[8], quads[8];
  for (int r = 0; r < 8; r += 2) { /* rows r, r+1 at words 0,2,4,6 | 1,3,5,7 */
    pairs[r] = _mm512_unpacklo_epi64(rows[r], rows[r + 1]);
    pairs[r + 1] = _mm512_unpackhi_epi64(rows[r], rows[r + 1]);
  }
  const __m512i words04 = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i words26 = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  for (int r = 0; r < 8; r += 4) /* rows r..r+3 at words (q, q+4) in quads[r + q] */
    for (int odd = 0; odd < 2; odd++) {
      quads[r + odd] = _mm512_permutex2var_epi64(pairs[r + odd], words04, pairs[r + 2 + odd]);
      quads[r + 2 + odd] = _mm512_permutex2var_epi64(pairs[r + odd], words26, pairs[r + 2 + odd]);
    }
  const __m512i low_halves = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
  const __m512i high_halves = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
  for (int q = 0; q < 4; q++) {
    out[q] = _mm512_permutex2var_epi64(quads[q], low_halves, quads[4 + q]);
    out[q + 4] = _mm512_permutex2var_epi64(quads[q], high_halves, quads[4 + q]);
  }
}

/* panel[w][jj] = b[j0 + jj][w0 + w] for jj < cols, 0 for the rest of the
 * last 8 columns (computed, never stored), copied 8 rows x 8 words at a
 * time; masked loads stop at the chunk's last word. */
static void pack_panel(const BgemmProblem *p, size_t j0, size_t cols, size_t w0, size_t words,
                       uint64_t *panel) {
  size_t kw = bits_words(p->k);
  for (size_t jb = 0; jb < cols; jb += 8)
    for (size_t wb = 0; wb < words; wb += 8) {
      size_t count = words - wb < 8 ? words - wb : 8;
      __mmask8 mask = (__mmask8)((1u << count) - 1);
      const uint64_t *first = p->b + (j0 + jb) * kw + w0 + wb;
      __m512i rows[8], out[8];
      for (size_t r = 0; r < 8; r++)
        rows[r] = jb + r < cols ? _mm512_maskz_loadu_epi64(mask, first + r * kw)
                                : _mm512_setzero_si512();
      transpose8x8(rows, out);
      for (size_t w = 0; w < count; w++)
        _mm512_store_si512(panel + (wb + w) * TILE_COLS + jb, out[w]);
    }
}

typedef struct {
  const uint64_t *a; /* first row of the tile, at word w0 of the chunk */
  size_t lda;        /* words per row of a */
  const uint64_t *panel;
  size_t words;      /* words in this chunk */
  float *c;          /* c[i][j0] of the tile's first row */
  size_t ldc;
  size_t cols;       /* valid columns in the panel, 1..TILE_COLS */
  float kbits;       /* real (unpadded) bits in this chunk */
  int accumulate;    /* add to c (chunks after the first) instead of storing */
} Tile;

/* Tile kernel, R rows x V vectors (R <= 6, V <= 4):
 *   acc[r][v] lane l = sum_w popcount(a[r][w] XOR panel[w][8v + l])
 *   c[r][8v + l] (+)= kbits - 2 * acc[r][v] lane l.
 * Per word: V loads, R broadcasts, R*V (XOR, VPOPCNTQ, ADD). */
static inline __attribute__((always_inline)) void tile_kernel(int R, int V, const Tile *t) {
  __m512i acc[TILE_ROWS][TILE_VECS];
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_si512();

  for (size_t w = 0; w < t->words; w++) {
    __m512i bv[TILE_VECS];
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) bv[v] = _mm512_load_si512(t->panel + w * TILE_COLS + 8 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m512i av = _mm512_set1_epi64((long long)t->a[r * t->lda + w]);
#pragma GCC unroll 8
      for (int v = 0; v < V; v++)
        acc[r][v] = _mm512_add_epi64(acc[r][v], _mm512_popcnt_epi64(_mm512_xor_si512(av, bv[v])));
    }
  }

  /* Two accumulators of 8 counts make one vector of 16 columns: one
   * conversion and one exact kbits - 2 * count per 16 outputs. */
  const __m512i evens =
      _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512 kbits = _mm512_set1_ps(t->kbits), two = _mm512_set1_ps(2.0f);
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int v = 0; v < V; v += 2) {
      __m512i counts = v + 1 < V ? _mm512_permutex2var_epi32(acc[r][v], evens, acc[r][v + 1])
                                 : _mm512_permutexvar_epi32(evens, acc[r][v]);
      size_t left = t->cols - 8 * (size_t)v; /* >= 1 since V = ceil(cols / 8) */
      __mmask16 mask = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
      float *dst = t->c + r * t->ldc + 8 * v;
      __m512 dot = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(counts), two, kbits);
      if (t->accumulate) dot = _mm512_add_ps(dot, _mm512_maskz_loadu_ps(mask, dst));
      _mm512_mask_storeu_ps(dst, mask, dot);
    }
}

#define TILE_FN(R, V) \
  static void tile_##R##x##V(const Tile *t) { tile_kernel(R, V, t); }
#define TILE_ROW_FNS(R) TILE_FN(R, 1) TILE_FN(R, 2) TILE_FN(R, 3) TILE_FN(R, 4)
TILE_ROW_FNS(1) TILE_ROW_FNS(2) TILE_ROW_FNS(3) TILE_ROW_FNS(4) TILE_ROW_FNS(5) TILE_ROW_FNS(6)
#define TILE_ROW_PTRS(R) {tile_##R##x1, tile_##R##x2, tile_##R##x3, tile_##R##x4}
static void (*const tile_fns[TILE_ROWS][TILE_VECS])(const Tile *) = {
    TILE_ROW_PTRS(1), TILE_ROW_PTRS(2), TILE_ROW_PTRS(3),
    TILE_ROW_PTRS(4), TILE_ROW_PTRS(5), TILE_ROW_PTRS(6)};

/* For each panel of 32 rows of b and each chunk of k, every tile of 6 rows of
 * a in [i0, i1) against that panel; chunks after the first add into c. */
void bgemm_avx512(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1) {
  _Alignas(64) uint64_t panel[CHUNK_WORDS * TILE_COLS];
  size_t kw = bits_words(p->k);
  for (size_t j = j0; j < j1; j += TILE_COLS) {
    size_t cols = j1 - j < TILE_COLS ? j1 - j : TILE_COLS;
    int vecs = (int)((cols + 7) / 8);
    for (size_t w0 = 0; w0 < kw; w0 += CHUNK_WORDS) {
      size_t words = kw - w0 < CHUNK_WORDS ? kw - w0 : CHUNK_WORDS;
      size_t bits = p->k - 64 * w0 < 64 * words ? p->k - 64 * w0 : 64 * words;
      pack_panel(p, j, cols, w0, words, panel);
      for (size_t i = i0; i < i1; i += TILE_ROWS) {
        int rows = (int)(i1 - i < TILE_ROWS ? i1 - i : TILE_ROWS);
        Tile t = {p->a + i * kw + w0, kw, panel, words, p->c + i * p->n + j, p->n, cols,
                  (float)bits, w0 > 0};
        tile_fns[rows - 1][vecs - 1](&t);
      }
    }
  }
}
