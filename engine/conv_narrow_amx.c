/* conv_narrow_amx.c — a few-channel convolution's weight gradient in
 * AVX-512 BF16 (conv_narrow_amx.h has the math). */
#include "engine/conv_narrow_amx.h"

#include <string.h>

#include "engine/amx_tiles.h"

/* Image x's padded grid rounded to bf16, one plane of s->plane pixels per
 * channel (zeros outside x, and past the grid for what the last pairs
 * read). */
static void copy_planes(const ConvGeom *g, const ConvNarrowShape *s, const float *x,
                        uint16_t *planes) {
  const size_t C = g->in_ch;
  uint16_t pixel[16];
  size_t row = 0, col = 0;
  for (size_t p = 0; p < s->plane; p++) {
    size_t ih = row - g->pad_top, iw = col - g->pad_left; /* wraps above and left of x */
    if (ih < g->height && iw < g->width) {
      __m512 v = load16(x + (ih * g->width + iw) * C, C);
      _mm256_storeu_si256((__m256i *)pixel, (__m256i)_mm512_cvtneps_pbh(v));
      for (size_t c = 0; c < C; c++) planes[c * s->plane + p] = pixel[c];
    } else
      for (size_t c = 0; c < C; c++) planes[c * s->plane + p] = 0;
    if (++col == s->wp) col = 0, row++;
  }
}

/* Image dy's outputs in pairs (q, q + 1) rounded to bf16: vector h of pair
 * r at pairs[r halves + h], u32 n holding channel 16 h + n of both (0 for
 * an output past its row, j >= Wo, or past the image). */
static void pair_outputs(const ConvGeom *g, const ConvNarrowShape *s, const float *dy,
                         __m512i *pairs) {
  const size_t N = g->out_ch, Ho = g->out_height, Wo = g->out_width;
  const __m512 zero = _mm512_setzero_ps();
  size_t i = 0, j = 0;
  for (size_t r = 0; r < s->pairs; r++) {
    const float *out[2];
    for (int t = 0; t < 2; t++) {
      out[t] = i < Ho && j < Wo ? dy + (i * Wo + j) * N : NULL;
      if (++j == s->wp) j = 0, i++;
    }
    for (size_t h = 0; h < s->halves; h++)
      pairs[r * s->halves + h] =
          round32_paired(out[0] ? _mm512_loadu_ps(out[0] + 16 * h) : zero,
                         out[1] ? _mm512_loadu_ps(out[1] + 16 * h) : zero);
  }
}

/* NARROW_COLUMNS columns of one image's gradient, each read from its
 * plane at its tap's offset (x[c]), into acc[c][h] (channels 16 h ..): every
 * pair's dy times the plane's pair there, broadcast. Inlined with halves a
 * constant, so that the accumulators stay in registers. */
static inline __attribute__((always_inline)) void sum_columns(
    const ConvNarrowShape *s, const __m512i *pairs, const uint16_t *const x[NARROW_COLUMNS],
    size_t halves, __m512 acc[NARROW_COLUMNS][4]) {
  for (int c = 0; c < NARROW_COLUMNS; c++)
    for (size_t h = 0; h < halves; h++) acc[c][h] = _mm512_setzero_ps();
  for (size_t r = 0; r < s->pairs; r++) {
    const __m512i *dy = pairs + r * halves;
    for (int c = 0; c < NARROW_COLUMNS; c++) {
      uint32_t both;
      memcpy(&both, x[c] + 2 * r, sizeof both);
      __m512bh xs = (__m512bh)_mm512_set1_epi32((int)both);
      for (size_t h = 0; h < halves; h++)
        acc[c][h] = _mm512_dpbf16_ps(acc[c][h], (__m512bh)dy[h], xs);
    }
  }
}

static void columns(const ConvNarrowShape *s, const __m512i *pairs,
                    const uint16_t *const x[NARROW_COLUMNS], __m512 acc[NARROW_COLUMNS][4]) {
  switch (s->halves) {
  case 1: sum_columns(s, pairs, x, 1, acc); break;
  case 2: sum_columns(s, pairs, x, 2, acc); break;
  case 3: sum_columns(s, pairs, x, 3, acc); break;
  default: sum_columns(s, pairs, x, 4, acc); break;
  }
}

void conv_narrow_backward_weights(const ConvGeom *g, const float *dy, const float *x, size_t b0,
                                  size_t b1, float *sum, void *scratch) {
  const ConvNarrowShape s = conv_narrow_shape(g);
  const size_t C = g->in_ch, K = g->taps, k = g->kernel;
  uint16_t *planes = scratch;
  __m512i *pairs = (__m512i *)((char *)scratch + (C * s.plane * 2 + 63) / 64 * 64);
  const size_t dy_image = g->out_height * g->out_width * g->out_ch;
  const size_t x_image = g->height * g->width * C;
  for (size_t b = b0; b < b1; b++) {
    copy_planes(g, &s, x + b * x_image, planes);
    pair_outputs(g, &s, dy + b * dy_image, pairs);
    for (size_t t0 = 0; t0 < K; t0 += NARROW_COLUMNS) {
      const uint16_t *cols[NARROW_COLUMNS];
      for (size_t c = 0; c < NARROW_COLUMNS; c++) { /* past K: a column computed and dropped */
        size_t t = t0 + c < K ? t0 + c : t0, tap = t / C;
        cols[c] = planes + t % C * s.plane + tap / k * s.wp + tap % k;
      }
      __m512 acc[NARROW_COLUMNS][4];
      columns(&s, pairs, cols, acc);
      for (size_t c = 0; c < NARROW_COLUMNS && t0 + c < K; c++)
        for (size_t h = 0; h < s.halves; h++) {
          float lanes[16];
          _mm512_storeu_ps(lanes, acc[c][h]);
          for (size_t n = 0; n < 16; n++) {
            float *out = sum + (16 * h + n) * K + t0 + c;
            *out = b == b0 ? lanes[n] : *out + lanes[n];
          }
        }
    }
  }
}
