/* conv_im2col.h — internal to conv.c: the rows of a convolution as a matrix
 * (im2col) in bits and in floats, the scatter back (col2im), and the
 * correction of the padded taps of the bit form.
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

#include "engine/conv.h"

/* The taps of position p that fall inside the image: kh in [kh0, kh1), kw in
 * [kw0, kw1), reading input row ih0 + kh and column iw0 + kw of image b. */
typedef struct {
  size_t b;
  ptrdiff_t ih0, iw0;
  size_t kh0, kh1, kw0, kw1;
} ConvWindow;

ConvWindow conv_window(const ConvGeom *g, size_t p);

/* rows ((p1 - p0) x bits_words(K)) = the bit im2col of xbits (B*H rows of
 * W*C bits, as conv_forward_binary takes them). */
void conv_im2col_bits(const ConvGeom *g, const uint64_t *xbits, size_t p0, size_t p1,
                      uint64_t *rows);
/* rows ((p1 - p0) x K floats) = the float im2col of x (B x H x W x C). */
void conv_im2col_floats(const ConvGeom *g, const float *x, size_t p0, size_t p1, float *rows);
/* dx (B x H x W x C) += each row of rows ((p1 - p0) x K) added back where
 * conv_im2col_floats took it from; padded taps are dropped. */
void conv_col2im_add(const ConvGeom *g, const float *rows, size_t p0, size_t p1, float *dx);

/* sums (k*k x N, tap-major) = per output channel and tap, the sum of the C
 * weights of that tap: sums[t][n] = sum_c w[n][t][c] = 2 popcount - C over
 * the C bits of tap t in row n of wbits. */
void conv_tap_sums(const ConvGeom *g, const uint64_t *wbits, int32_t *sums);
/* y ((p1 - p0) x N, from bgemm on the bit im2col) += sums[t][n] for each
 * tap t of each position that lies outside the image (see conv.c). */
void conv_correct_padding(const ConvGeom *g, const int32_t *sums, size_t p0, size_t p1,
                          float *y);

#endif
