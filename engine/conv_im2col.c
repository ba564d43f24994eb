/* conv_im2col.c — gathering a convolution's input rows (im2col) in bits and
 * floats, scattering gradients back (col2im), and the padded-tap correction.
 *
 * A kernel row (kh) of a window reads k consecutive pixels of one input row:
 * with NHWC and input rows packed as W*C bits, that is one contiguous run of
 * (kw1 - kw0) C bits (or floats), copied as one piece.
 */
#include "engine/conv_im2col.h"

#include <string.h>

#include "engine/bitpack.h"

ConvWindow conv_window(const ConvGeom *g, size_t p) {
  size_t per_image = g->out_height * g->out_width;
  size_t oh = p % per_image / g->out_width, ow = p % g->out_width;
  ConvWindow w = {.b = p / per_image,
                  .ih0 = (ptrdiff_t)(oh * g->stride) - (ptrdiff_t)g->pad_top,
                  .iw0 = (ptrdiff_t)(ow * g->stride) - (ptrdiff_t)g->pad_left};
  ptrdiff_t k = (ptrdiff_t)g->kernel, H = (ptrdiff_t)g->height, W = (ptrdiff_t)g->width;
  w.kh0 = (size_t)(w.ih0 < 0 ? -w.ih0 : 0);
  w.kh1 = (size_t)(w.ih0 + k > H ? H - w.ih0 : k);
  w.kw0 = (size_t)(w.iw0 < 0 ? -w.iw0 : 0);
  w.kw1 = (size_t)(w.iw0 + k > W ? W - w.iw0 : k);
  return w;
}

static int window_is_clipped(const ConvGeom *g, const ConvWindow *w) {
  return w->kh0 > 0 || w->kw0 > 0 || w->kh1 < g->kernel || w->kw1 < g->kernel;
}

/* The n (1..64) bits of src from bit `at`, in the low bits, the rest 0. Reads
 * the next word only when the bits run into it. */
static inline uint64_t get_bits(const uint64_t *src, size_t at, size_t n) {
  size_t word = at / 64, shift = at % 64;
  uint64_t v = src[word] >> shift;
  if (shift && shift + n > 64) v |= src[word + 1] << (64 - shift);
  return n == 64 ? v : v & ((1ull << n) - 1);
}

/* dst bits [at, at + len) |= src bits [from, from + len), a destination word
 * at a time (the first may be partial). */
static void or_bits(uint64_t *dst, size_t at, const uint64_t *src, size_t from, size_t len) {
  while (len) {
    size_t shift = at % 64, n = 64 - shift < len ? 64 - shift : len;
    dst[at / 64] |= get_bits(src, from, n) << shift;
    at += n;
    from += n;
    len -= n;
  }
}

void conv_im2col_bits(const ConvGeom *g, const uint64_t *xbits, size_t p0, size_t p1,
                      uint64_t *rows) {
  size_t C = g->in_ch, k = g->kernel, words = bits_words(g->taps);
  size_t in_words = bits_words(g->width * C);
  for (size_t p = p0; p < p1; p++) {
    uint64_t *row = rows + (p - p0) * words;
    memset(row, 0, words * sizeof *row);
    ConvWindow w = conv_window(g, p);
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      const uint64_t *src = xbits + (w.b * g->height + (size_t)w.ih0 + kh) * in_words;
      or_bits(row, (kh * k + w.kw0) * C, src, ((size_t)w.iw0 + w.kw0) * C, (w.kw1 - w.kw0) * C);
    }
  }
}

void conv_im2col_floats(const ConvGeom *g, const float *x, size_t p0, size_t p1, float *rows) {
  size_t C = g->in_ch, k = g->kernel, K = g->taps;
  for (size_t p = p0; p < p1; p++) {
    float *row = rows + (p - p0) * K;
    ConvWindow w = conv_window(g, p);
    if (window_is_clipped(g, &w)) memset(row, 0, K * sizeof *row);
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      const float *src =
          x + ((w.b * g->height + (size_t)w.ih0 + kh) * g->width + (size_t)w.iw0 + w.kw0) * C;
      memcpy(row + (kh * k + w.kw0) * C, src, (w.kw1 - w.kw0) * C * sizeof *row);
    }
  }
}

void conv_col2im_add(const ConvGeom *g, const float *rows, size_t p0, size_t p1, float *dx) {
  size_t C = g->in_ch, k = g->kernel, K = g->taps;
  for (size_t p = p0; p < p1; p++) {
    const float *row = rows + (p - p0) * K;
    ConvWindow w = conv_window(g, p);
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      float *dst =
          dx + ((w.b * g->height + (size_t)w.ih0 + kh) * g->width + (size_t)w.iw0 + w.kw0) * C;
      const float *src = row + (kh * k + w.kw0) * C;
      for (size_t i = 0; i < (w.kw1 - w.kw0) * C; i++) dst[i] += src[i];
    }
  }
}

void conv_tap_sums(const ConvGeom *g, const uint64_t *wbits, int32_t *sums) {
  size_t C = g->in_ch, N = g->out_ch, taps = g->kernel * g->kernel, words = bits_words(g->taps);
  for (size_t n = 0; n < N; n++)
    for (size_t t = 0; t < taps; t++) {
      size_t ones = 0;
      for (size_t c = 0; c < C; c += 64)
        ones += (size_t)__builtin_popcountll(
            get_bits(wbits + n * words, t * C + c, C - c < 64 ? C - c : 64));
      sums[t * N + n] = 2 * (int32_t)ones - (int32_t)C;
    }
}

void conv_correct_padding(const ConvGeom *g, const int32_t *sums, size_t p0, size_t p1,
                          float *y) {
  size_t k = g->kernel, N = g->out_ch;
  for (size_t p = p0; p < p1; p++) {
    ConvWindow w = conv_window(g, p);
    if (!window_is_clipped(g, &w)) continue;
    float *row = y + (p - p0) * N;
    for (size_t kh = 0; kh < k; kh++)
      for (size_t kw = 0; kw < k; kw++) {
        if (kh >= w.kh0 && kh < w.kh1 && kw >= w.kw0 && kw < w.kw1) continue;
        const int32_t *tap = sums + (kh * k + kw) * N;
        for (size_t n = 0; n < N; n++) row[n] += (float)tap[n];
      }
  }
}
