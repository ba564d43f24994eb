/* conv_im2col.c — gathering a convolution's input rows (im2col) in bits and
 * floats, and scattering gradients back (col2im).
 *
 * A kernel row (kh) of a window reads k consecutive pixels of one input row:
 * with NHWC and input rows packed as W*C bits, that is one contiguous run of
 * (kw1 - kw0) C bits (or floats), copied as one piece.
 */
#include "engine/conv_im2col.h"

#include <string.h>

#include "engine/bitpack.h"
#include "engine/kernels.h"
#include "engine/matmul.h"

/* dst bits [at, at + len) |= src bits [from, from + len), a destination word
 * at a time (the first may be partial). */
static void or_bits(uint64_t *dst, size_t at, const uint64_t *src, size_t from, size_t len) {
  while (len) {
    size_t shift = at % 64, n = 64 - shift < len ? 64 - shift : len;
    dst[at / 64] |= conv_get_bits(src, from, n) << shift;
    at += n;
    from += n;
    len -= n;
  }
}

/* The bit im2col when C is a multiple of 64: every run starts on a word and
 * is copied word by word, and only a clipped window has words to zero. */
static void im2col_words(const ConvGeom *g, const uint64_t *restrict xbits, size_t p0, size_t p1,
                         uint64_t *restrict rows) {
  size_t cw = g->in_ch / 64, k = g->kernel, words = k * k * cw, in_words = g->width * cw;
  ConvPosition q = conv_position(g, p0);
  for (size_t p = p0; p < p1; p++, conv_next_position(g, &q)) {
    uint64_t *restrict row = rows + (p - p0) * words;
    ConvWindow w = conv_window(g, q);
    if (conv_window_clipped(g, &w)) memset(row, 0, words * sizeof *row);
    size_t run = (w.kw1 - w.kw0) * cw;
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      const uint64_t *restrict src =
          xbits + (w.b * g->height + (size_t)w.ih0 + kh) * in_words + ((size_t)w.iw0 + w.kw0) * cw;
      uint64_t *restrict dst = row + (kh * k + w.kw0) * cw;
      for (size_t i = 0; i < run; i++) dst[i] = src[i];
    }
  }
}

/* Whether bit runs may be copied as bytes: on a little-endian machine bit i
 * of a row of words is bit i % 8 of its byte i / 8, so when C is a multiple
 * of 8 every run starts on a byte and is one memcpy of (kw1 - kw0) C / 8
 * bytes (for C = 32 at k = 3, 12 bytes, where or_bits shifts and masks word
 * pieces). */
static int runs_are_bytes(const ConvGeom *g) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return g->in_ch % 8 == 0;
#else
  (void)g;
  return 0;
#endif
}

/* The bit im2col otherwise, each run copied as bytes or by or_bits. Inlined
 * at both calls, so each copy loop is compiled with bytes a constant. */
static inline void im2col_runs(const ConvGeom *g, const uint64_t *restrict xbits, size_t p0,
                               size_t p1, uint64_t *restrict rows, int bytes) {
  size_t C = g->in_ch, k = g->kernel, words = bits_words(g->taps);
  size_t in_words = bits_words(g->width * C);
  ConvPosition q = conv_position(g, p0);
  for (size_t p = p0; p < p1; p++, conv_next_position(g, &q)) {
    uint64_t *row = rows + (p - p0) * words;
    ConvWindow w = conv_window(g, q);
    memset(row, 0, words * sizeof *row);
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      const uint64_t *src = xbits + (w.b * g->height + (size_t)w.ih0 + kh) * in_words;
      size_t at = (kh * k + w.kw0) * C, from = ((size_t)w.iw0 + w.kw0) * C;
      size_t len = (w.kw1 - w.kw0) * C;
      if (bytes) memcpy((uint8_t *)row + at / 8, (const uint8_t *)src + from / 8, len / 8);
      else or_bits(row, at, src, from, len);
    }
  }
}

void conv_im2col_bits(const ConvGeom *g, const uint64_t *xbits, size_t p0, size_t p1,
                      uint64_t *rows) {
  if (g->in_ch % 64 == 0) im2col_words(g, xbits, p0, p1, rows);
  else if (runs_are_bytes(g)) im2col_runs(g, xbits, p0, p1, rows, 1);
  else im2col_runs(g, xbits, p0, p1, rows, 0);
}

/* n floats from src to dst; a few (a kernel row of a narrow first layer: 3
 * floats for one channel) by moves of a known size, since a call to memcpy
 * for each cost more than the copy (1 ms of the bench CNN's step). */
static void copy_floats(float *dst, const float *src, size_t n) {
  if (n > 16) {
    memcpy(dst, src, n * sizeof *dst);
    return;
  }
  size_t i = 0;
  for (; i + 4 <= n; i += 4) memcpy(dst + i, src + i, 4 * sizeof *dst);
  for (; i < n; i++) memcpy(dst + i, src + i, sizeof *dst);
}

void conv_im2col_floats(const ConvGeom *g, const float *x, size_t p0, size_t p1, float *rows) {
  size_t C = g->in_ch, k = g->kernel, K = g->taps;
  ConvPosition q = conv_position(g, p0);
  for (size_t p = p0; p < p1; p++, conv_next_position(g, &q)) {
    float *row = rows + (p - p0) * K;
    ConvWindow w = conv_window(g, q);
    if (conv_window_clipped(g, &w)) memset(row, 0, K * sizeof *row);
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      const float *src =
          x + ((w.b * g->height + (size_t)w.ih0 + kh) * g->width + (size_t)w.iw0 + w.kw0) * C;
      copy_floats(row + (kh * k + w.kw0) * C, src, (w.kw1 - w.kw0) * C);
    }
  }
}

void conv_im2col_runs(const ConvGeom *g, const float *x, ConvPosition q, const float **runs) {
  size_t C = g->in_ch, k = g->kernel, per_tap = C / MATMUL_RUN;
  ConvWindow w = conv_window(g, q);
  if (!conv_window_clipped(g, &w)) { /* every tap inside: runs step through k rows of k C */
    const float *top = x + ((w.b * g->height + (size_t)w.ih0) * g->width + (size_t)w.iw0) * C;
    for (size_t kh = 0; kh < k; kh++, runs += k * per_tap)
      for (size_t r = 0; r < k * per_tap; r++) runs[r] = top + kh * g->width * C + MATMUL_RUN * r;
    return;
  }
  for (size_t kh = 0; kh < k; kh++)
    for (size_t kw = 0; kw < k; kw++) {
      const float **tap = runs + (kh * k + kw) * per_tap;
      const float *px = NULL;
      if (kh >= w.kh0 && kh < w.kh1 && kw >= w.kw0 && kw < w.kw1)
        px = x + ((w.b * g->height + (size_t)w.ih0 + kh) * g->width + (size_t)w.iw0 + kw) * C;
      for (size_t r = 0; r < per_tap; r++) tap[r] = px ? px + MATMUL_RUN * r : NULL;
    }
}

void conv_col2im_add(const ConvGeom *g, const float *rows, size_t p0, size_t p1, float *dx) {
  size_t C = g->in_ch, k = g->kernel, K = g->taps;
  void (*add)(float *, const float *, size_t) = kernels()->add_into;
  ConvPosition q = conv_position(g, p0);
  for (size_t p = p0; p < p1; p++, conv_next_position(g, &q)) {
    const float *row = rows + (p - p0) * K;
    ConvWindow w = conv_window(g, q);
    for (size_t kh = w.kh0; kh < w.kh1; kh++) {
      float *dst =
          dx + ((w.b * g->height + (size_t)w.ih0 + kh) * g->width + (size_t)w.iw0 + w.kw0) * C;
      add(dst, row + (kh * k + w.kw0) * C, (w.kw1 - w.kw0) * C);
    }
  }
}
