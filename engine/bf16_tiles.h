/* bf16_tiles.h — what the bf16 kernels share (included only by files
 * compiled for AVX-512 BF16: *_bf16.c and *_amx.c): the tile shapes and the
 * rounding of floats into tile rows.
 *
 * Every tile is 16 rows of 64 bytes: an A tile holds 16 rows of 32 bf16 (k
 * along the row), a B tile 16 rows of 16 pairs of k (the VNNI layout
 * TDPBF16PS and VDPBF16PS read), a C tile 16 x 16 fp32.
 */
#ifndef FLIPSCOPE_BF16_TILES_H
#define FLIPSCOPE_BF16_TILES_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

enum {
  TILE_M = 16,                     /* rows of an A or C tile */
  TILE_N = 16,                     /* columns of a B or C tile */
  TILE_K = 32,                     /* k per tile: 16 pairs */
  TILE_ELEMS = TILE_M * TILE_K,    /* bf16 in a tile: 1 KiB */
  TILE_STRIDE = 64                 /* bytes per tile row */
};

/* How many of the 16 elements from `start` lie below `total`. */
static inline size_t valid16(size_t total, size_t start) {
  return start >= total ? 0 : total - start < 16 ? total - start : 16;
}

/* The mask of the first `count` (0..16) lanes. */
static inline __mmask16 first_lanes(size_t count) { return (__mmask16)((1u << count) - 1); }

/* The first `count` (0..16) floats at p, zeros after (nothing else is read). */
static inline __m512 load16(const float *p, size_t count) {
  return _mm512_maskz_loadu_ps(first_lanes(count), p);
}

/* 32 bf16: lo's 16 floats rounded, then hi's (VCVTNE2PS2BF16: to nearest
 * even, as bf16_round, but denormals flush to zero as they do in TDPBF16PS). */
static inline __m512i round32(__m512 lo, __m512 hi) {
  return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

/* 32 u16, 16 lo then 16 hi, interleaved: the u32 j holds the pair (lo[j],
 * hi[j]), as VNNI rows pair two k. */
static inline __m512i pair_halves(__m512i halves) {
  const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9,
                                         24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1,
                                         16, 0);
  return _mm512_permutexvar_epi16(pairs, halves);
}

/* round32 with lo's and hi's elements interleaved (pair_halves). */
static inline __m512i round32_paired(__m512 lo, __m512 hi) {
  return pair_halves(round32(lo, hi));
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

#endif
