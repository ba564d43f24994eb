/* bitpack_avx2.c — the binary GEMM kernel for CPUs with AVX2.
 *
 * AVX2 has no vector popcount, so instead of counting the bits of a XOR b,
 * this kernel looks the counts up, 4 bits at a time, in tables made from a:
 * for each nibble of a row of a, a 16-entry table t[v] = popcount(v XOR that
 * nibble). One VPSHUFB looks up the same nibble position of 16 rows of b in
 * it (and, in the other 128-bit lane, the next nibble position), so one
 * shuffle plus one byte add do 32 4-bit multiply-accumulates: twice the work
 * per instruction of the classic "XOR, split nibbles, two shuffles, add".
 * The tables of every byte value are one constant array; b is rearranged per
 * block of 64 rows so one load gives one nibble position of 16 rows.
 */
#include <immintrin.h>

#include "engine/bitpack.h"
#include "engine/bitpack_kernels.h"

enum {
  GROUP_COLS = 16,                            /* rows of b per shuffle */
  TILE_ROWS = 3,                              /* rows of a per tile */
  TILE_GROUPS = 4,                            /* groups of 16 rows of b per tile */
  TILE_COLS = GROUP_COLS * TILE_GROUPS,       /* rows of b per panel */
  CHUNK_WORDS = 16,                           /* words of k per panel: 16 KiB */
  CHUNK_STEPS = 8 * CHUNK_WORDS,              /* bytes of a row per panel */
  FLUSH_STEPS = 63                            /* byte sums of counts <= 4 stay < 256 */
};

/* nibble_tables[x]: lane 0 entry v = popcount(v ^ (x & 15)),
 *                   lane 1 entry v = popcount(v ^ (x >> 4)), for each byte x. */
#define POP4(v) (((v) & 1) + (((v) >> 1) & 1) + (((v) >> 2) & 1) + (((v) >> 3) & 1))
#define LANE(n)                                                                            \
  POP4(0 ^ (n)), POP4(1 ^ (n)), POP4(2 ^ (n)), POP4(3 ^ (n)), POP4(4 ^ (n)), POP4(5 ^ (n)), \
      POP4(6 ^ (n)), POP4(7 ^ (n)), POP4(8 ^ (n)), POP4(9 ^ (n)), POP4(10 ^ (n)),            \
      POP4(11 ^ (n)), POP4(12 ^ (n)), POP4(13 ^ (n)), POP4(14 ^ (n)), POP4(15 ^ (n))
#define TABLE(x) {LANE((x) & 15), LANE((x) >> 4)}
#define TABLES16(h)                                                                   \
  TABLE(16 * (h) + 0), TABLE(16 * (h) + 1), TABLE(16 * (h) + 2), TABLE(16 * (h) + 3),    \
      TABLE(16 * (h) + 4), TABLE(16 * (h) + 5), TABLE(16 * (h) + 6), TABLE(16 * (h) + 7),  \
      TABLE(16 * (h) + 8), TABLE(16 * (h) + 9), TABLE(16 * (h) + 10), TABLE(16 * (h) + 11), \
      TABLE(16 * (h) + 12), TABLE(16 * (h) + 13), TABLE(16 * (h) + 14), TABLE(16 * (h) + 15)
static _Alignas(32) const unsigned char nibble_tables[256][32] = {
    TABLES16(0),  TABLES16(1),  TABLES16(2),  TABLES16(3),  TABLES16(4),  TABLES16(5),
    TABLES16(6),  TABLES16(7),  TABLES16(8),  TABLES16(9),  TABLES16(10), TABLES16(11),
    TABLES16(12), TABLES16(13), TABLES16(14), TABLES16(15)};

/* Word w of 16 rows of b (rows >= count read as 0) to 8 shuffle indices:
 * out[q] lane 0 byte t = low nibble of byte q of row t, lane 1 = high nibble.
 * A 16 x 8 byte transpose by four rounds of unpacks, then the nibble split. */
static void split_group_word(const uint64_t *first, size_t kw, size_t count, __m256i out[8]) {
  __m128i x[16], u[8], v[8];
  for (size_t t = 0; t < 16; t++)
    x[t] = t < count ? _mm_loadl_epi64((const __m128i *)(first + t * kw)) : _mm_setzero_si128();
  for (int s = 0; s < 8; s++) u[s] = _mm_unpacklo_epi8(x[2 * s], x[2 * s + 1]);
  for (int s = 0; s < 4; s++) { /* v[s]: bytes 0..3, v[4 + s]: bytes 4..7 of rows 4s..4s+3 */
    v[s] = _mm_unpacklo_epi16(u[2 * s], u[2 * s + 1]);
    v[4 + s] = _mm_unpackhi_epi16(u[2 * s], u[2 * s + 1]);
  }
  const __m128i low4 = _mm_set1_epi8(0x0f);
  for (int h = 0; h < 2; h++) {
    __m128i rows0_7_q01 = _mm_unpacklo_epi32(v[4 * h], v[4 * h + 1]);
    __m128i rows0_7_q23 = _mm_unpackhi_epi32(v[4 * h], v[4 * h + 1]);
    __m128i rows8_15_q01 = _mm_unpacklo_epi32(v[4 * h + 2], v[4 * h + 3]);
    __m128i rows8_15_q23 = _mm_unpackhi_epi32(v[4 * h + 2], v[4 * h + 3]);
    __m128i bytes[4] = {_mm_unpacklo_epi64(rows0_7_q01, rows8_15_q01),
                        _mm_unpackhi_epi64(rows0_7_q01, rows8_15_q01),
                        _mm_unpacklo_epi64(rows0_7_q23, rows8_15_q23),
                        _mm_unpackhi_epi64(rows0_7_q23, rows8_15_q23)};
    for (int q = 0; q < 4; q++) {
      __m128i lo = _mm_and_si128(bytes[q], low4);
      __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes[q], 4), low4);
      out[4 * h + q] = _mm256_set_m128i(hi, lo);
    }
  }
}

/* panel[q * TILE_GROUPS + g] = indices of byte q (of the chunk) of rows
 * j0 + 16g .. j0 + 16g + 15 of b, for the groups that hold any of cols rows. */
static void pack_panel(const BgemmProblem *p, size_t j0, size_t cols, size_t w0, size_t words,
                       __m256i *panel) {
  size_t kw = bits_words(p->k);
  for (size_t g = 0; g * GROUP_COLS < cols; g++) {
    size_t count = cols - g * GROUP_COLS < GROUP_COLS ? cols - g * GROUP_COLS : GROUP_COLS;
    const uint64_t *first = p->b + (j0 + g * GROUP_COLS) * kw + w0;
    for (size_t w = 0; w < words; w++) {
      __m256i idx[8];
      split_group_word(first + w, kw, count, idx);
      for (int q = 0; q < 8; q++) panel[(8 * w + q) * TILE_GROUPS + g] = idx[q];
    }
  }
}

/* Byte sums as a GCC vector, not __m256i: with the intrinsic's type the loop
 * keeps two names for each sum and GCC copies every one every step. */
typedef unsigned char ByteSums __attribute__((vector_size(32)));

typedef struct {
  const unsigned char *a; /* bytes of the tile's first row, from the chunk start */
  size_t lda;             /* bytes per row of a */
  const __m256i *panel;
  size_t steps;           /* bytes per row in this chunk */
  float *c;               /* c[i][j0] of the tile's first row */
  size_t ldc;
  size_t cols;            /* valid columns in the panel, 1..TILE_COLS */
  int kbits;              /* real (unpadded) bits in this chunk, <= 1024 */
  int accumulate;         /* add to c (chunks after the first) instead of storing */
} Tile;

/* dst[0 .. valid) (+)= kbits - 2 * mismatches for 16 columns, from 16-bit
 * sums whose lanes are (low nibbles | high nibbles) of columns 0..7 in
 * sums_0_7 and of columns 8..15 in sums_8_15. Exact in 16 bits: a chunk has
 * at most 1024 bits. */
static inline __attribute__((always_inline)) void store_group(const Tile *t, __m256i sums_0_7,
                                                              __m256i sums_8_15, float *dst,
                                                              size_t valid) {
  __m256i counts = _mm256_add_epi16(_mm256_permute2x128_si256(sums_0_7, sums_8_15, 0x20),
                                    _mm256_permute2x128_si256(sums_0_7, sums_8_15, 0x31));
  __m256i dots = _mm256_sub_epi16(_mm256_set1_epi16((short)t->kbits),
                                  _mm256_add_epi16(counts, counts));
  __m256 dot[2] = {_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(dots))),
                   _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(dots, 1)))};
  if (valid >= GROUP_COLS && !t->accumulate) {
    _mm256_storeu_ps(dst, dot[0]);
    _mm256_storeu_ps(dst + 8, dot[1]);
    return;
  }
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int half = 0; half < 2; half++) {
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)valid - 8 * half), lane);
    float *out = dst + 8 * half;
    if (t->accumulate) dot[half] = _mm256_add_ps(dot[half], _mm256_maskload_ps(out, mask));
    _mm256_maskstore_ps(out, mask, dot[half]);
  }
}

/* Tile kernel, R rows of a x G groups of 16 rows of b (R <= 3, G <= 4), over
 * the steps q (bytes) of one chunk of k:
 *   acc[r][g] byte (L, t) += nibble_tables[byte q of a_r] lane L [panel index of b_{16g+t}]
 *                          = mismatches in nibble 2q + L of a_r and b_{16g+t}.
 * Per step: R table loads, R*G (VPSHUFB with a loaded index, VPADDB). Every
 * 63 steps the byte sums are widened into 16-bit sums. */
static inline __attribute__((always_inline)) void tile_kernel(int R, int G, const Tile *t) {
  __m256i sums[TILE_ROWS][TILE_GROUPS][2];
  const __m256i zero = _mm256_setzero_si256();
#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int g = 0; g < G; g++) sums[r][g][0] = sums[r][g][1] = zero;

  for (size_t q0 = 0; q0 < t->steps; q0 += FLUSH_STEPS) {
    size_t q1 = t->steps - q0 < FLUSH_STEPS ? t->steps : q0 + FLUSH_STEPS;
    ByteSums acc[TILE_ROWS][TILE_GROUPS];
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 8
      for (int g = 0; g < G; g++) acc[r][g] = (ByteSums){0};
    for (size_t q = q0; q < q1; q++) {
      const __m256i *idx = t->panel + q * TILE_GROUPS;
#pragma GCC unroll 8
      for (int r = 0; r < R; r++) {
        __m256i table = _mm256_load_si256((const __m256i *)nibble_tables[t->a[r * t->lda + q]]);
#pragma GCC unroll 8
        for (int g = 0; g < G; g++)
          acc[r][g] += (ByteSums)_mm256_shuffle_epi8(table, _mm256_load_si256(idx + g));
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 8
      for (int g = 0; g < G; g++) {
        __m256i bytes = (__m256i)acc[r][g];
        sums[r][g][0] = _mm256_add_epi16(sums[r][g][0], _mm256_unpacklo_epi8(bytes, zero));
        sums[r][g][1] = _mm256_add_epi16(sums[r][g][1], _mm256_unpackhi_epi8(bytes, zero));
      }
  }

#pragma GCC unroll 8
  for (int r = 0; r < R; r++)
#pragma GCC unroll 8
    for (int g = 0; g < G; g++)
      store_group(t, sums[r][g][0], sums[r][g][1], t->c + r * t->ldc + GROUP_COLS * g,
                  t->cols - GROUP_COLS * (size_t)g);
}

#define TILE_FN(R, G) \
  static void tile_##R##x##G(const Tile *t) { tile_kernel(R, G, t); }
#define TILE_ROW_FNS(R) TILE_FN(R, 1) TILE_FN(R, 2) TILE_FN(R, 3) TILE_FN(R, 4)
TILE_ROW_FNS(1) TILE_ROW_FNS(2) TILE_ROW_FNS(3)
#define TILE_ROW_PTRS(R) {tile_##R##x1, tile_##R##x2, tile_##R##x3, tile_##R##x4}
static void (*const tile_fns[TILE_ROWS][TILE_GROUPS])(const Tile *) = {
    TILE_ROW_PTRS(1), TILE_ROW_PTRS(2), TILE_ROW_PTRS(3)};

/* For each panel of 64 rows of b and each chunk of 1024 bits of k, every tile
 * of 3 rows of a in [i0, i1) against that panel; chunks after the first add
 * into c. */
void bgemm_avx2(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1) {
  __m256i panel[CHUNK_STEPS * TILE_GROUPS];
  size_t kw = bits_words(p->k);
  const unsigned char *a_bytes = (const unsigned char *)p->a;
  for (size_t j = j0; j < j1; j += TILE_COLS) {
    size_t cols = j1 - j < TILE_COLS ? j1 - j : TILE_COLS;
    int groups = (int)((cols + GROUP_COLS - 1) / GROUP_COLS);
    for (size_t w0 = 0; w0 < kw; w0 += CHUNK_WORDS) {
      size_t words = kw - w0 < CHUNK_WORDS ? kw - w0 : CHUNK_WORDS;
      size_t bits = p->k - 64 * w0 < 64 * words ? p->k - 64 * w0 : 64 * words;
      pack_panel(p, j, cols, w0, words, panel);
      for (size_t i = i0; i < i1; i += TILE_ROWS) {
        int rows = (int)(i1 - i < TILE_ROWS ? i1 - i : TILE_ROWS);
        Tile t = {a_bytes + (i * kw + w0) * 8, kw * 8, panel, 8 * words, p->c + i * p->n + j,
                  p->n, cols, (int)bits, w0 > 0};
        tile_fns[rows - 1][groups - 1](&t);
      }
    }
  }
}
