/* conv_im2col.h — internal to conv.c: output positions and their windows,
 * the rows of a convolution as a matrix (im2col) in bits and in floats, and
 * the scatter back (col2im).
 *
 * Positions p index the outputs in NHWC order, p = (b Ho + oh) Wo + ow; the
 * functions below fill or read the rows of positions [p0, p1), row 0 being p0.
 * Row p of the float im2col holds K = k*k*C values, tap (kh, kw) channel c at
 * (kh k + kw) C + c: x[b][ih][iw][c], or 0 where (ih, iw) is outside the
 * image. The bit im2col holds the same as signs, K bits in bits_words(K)
 * words per row (bitpack.h), with bit 0 where the tap is outside.
 */
#ifndef FLIPSCOPE_CONV_IM2COL_H
#define FLIPSCOPE_CONV_IM2COL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/conv_geom.h"

/* Output position p = (b Ho + oh) Wo + ow as coordinates; conv_next_position
 * steps to p + 1 without dividing. */
typedef struct {
  size_t b, oh, ow;
} ConvPosition;

static inline ConvPosition conv_position(const ConvGeom *g, size_t p) {
  size_t per_image = g->out_height * g->out_width;
  return (ConvPosition){p / per_image, p % per_image / g->out_width, p % g->out_width};
}

static inline void conv_next_position(const ConvGeom *g, ConvPosition *q) {
  if (++q->ow < g->out_width) return;
  q->ow = 0;
  if (++q->oh < g->out_height) return;
  q->oh = 0;
  q->b++;
}

/* The taps of a position that fall inside the image: kh in [kh0, kh1), kw in
 * [kw0, kw1), reading input row ih0 + kh and column iw0 + kw of image b. */
typedef struct {
  size_t b;
  ptrdiff_t ih0, iw0;
  size_t kh0, kh1, kw0, kw1;
} ConvWindow;

static inline ConvWindow conv_window(const ConvGeom *g, ConvPosition q) {
  ConvWindow w = {.b = q.b,
              .ih0 = (ptrdiff_t)(q.oh * g->stride) - (ptrdiff_t)g->pad_top,
              .iw0 = (ptrdiff_t)(q.ow * g->stride) - (ptrdiff_t)g->pad_left};
  ptrdiff_t k = (ptrdiff_t)g->kernel, H = (ptrdiff_t)g->height, W = (ptrdiff_t)g->width;
  w.kh0 = (size_t)(w.ih0 < 0 ? -w.ih0 : 0);
  w.kh1 = (size_t)(w.ih0 + k > H ? H - w.ih0 : k);
  w.kw0 = (size_t)(w.iw0 < 0 ? -w.iw0 : 0);
  w.kw1 = (size_t)(w.iw0 + k > W ? W - w.iw0 : k);
  return w;
}

static inline int conv_window_clipped(const ConvGeom *g, const ConvWindow *w) {
  return w->kh0 > 0 || w->kw0 > 0 || w->kh1 < g->kernel || w->kw1 < g->kernel;
}

/* The n (1..64) bits of src from bit `at`, in the low bits, the rest 0. Reads
 * the next word only when the bits run into it. */
static inline uint64_t conv_get_bits(const uint64_t *src, size_t at, size_t n) {
  size_t word = at / 64, shift = at % 64;
  uint64_t v = src[word] >> shift;
  if (shift && shift + n > 64) v |= src[word + 1] << (64 - shift);
  return n == 64 ? v : v & ((1ull << n) - 1);
}

/* The float im2col row of position q as runs of MATMUL_RUN (16) floats
 * (MatmulGathered, matmul.h), for C a multiple of 16: runs[(kh k + kw) C / 16
 * + c / 16] points at x[b][ih][iw][c .. c + 15], or is NULL where the tap is
 * outside. */
void conv_im2col_runs(const ConvGeom *g, const float *x, ConvPosition q, const float **runs);

/* rows ((p1 - p0) x bits_words(K)) = the bit im2col of xbits (B*H rows of
 * W*C bits, as conv_forward_binary takes them). */
void conv_im2col_bits(const ConvGeom *g, const uint64_t *xbits, size_t p0, size_t p1,
                      uint64_t *rows);
/* rows ((p1 - p0) x K floats) = the float im2col of x (B x H x W x C). */
void conv_im2col_floats(const ConvGeom *g, const float *x, size_t p0, size_t p1, float *rows);
/* dx (B x H x W x C) += each row of rows ((p1 - p0) x K) added back where
 * conv_im2col_floats took it from; padded taps are dropped. */
void conv_col2im_add(const ConvGeom *g, const float *rows, size_t p0, size_t p1, float *dx);

#endif
