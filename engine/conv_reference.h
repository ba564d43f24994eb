/* conv_reference.h — the convolution of conv.h written as its definition:
 * plain loops over every output, tap and channel, with the padding tested
 * tap by tap, accumulated in double and rounded once. The fast kernels are
 * tested against these (tests/test_conv.c); shapes and layouts are those of
 * conv.h.
 *
 * For output (b, oh, ow), tap (kh, kw): ih = oh s - pad_top + kh,
 * iw = ow s - pad_left + kw; the tap is used when 0 <= ih < H and 0 <= iw < W
 * and is skipped (a zero input) otherwise. The gradients are written as
 * gathers too: each output element sums the terms that reach it. Each
 * function also gives, in `magnitude` unless it is NULL, the sum of the
 * terms' magnitudes of every element: the scale of a float sum's rounding
 * error, for tolerances.
 */
#ifndef FLIPSCOPE_CONV_REFERENCE_H
#define FLIPSCOPE_CONV_REFERENCE_H

#include <stddef.h>

#include "engine/conv_geom.h"

/* y[b][oh][ow][n] = sum_{used taps} sum_c x[b][ih][iw][c] w[n][kh][kw][c].
 * x: B x H x W x C, w: N x k x k x C, y: B x Ho x Wo x N. */
void conv_reference_forward(const ConvGeom *g, const float *x, const float *w, size_t B,
                            float *y, float *magnitude);
/* dx[b][ih][iw][c] = sum over the outputs and taps that use (ih, iw) and over n
 * of dy[b][oh][ow][n] w[n][kh][kw][c]; dx: B x H x W x C. */
void conv_reference_backward_input(const ConvGeom *g, const float *dy, const float *w,
                                   size_t B, float *dx, float *magnitude);
/* dw[n][kh][kw][c] = sum over b, oh, ow whose tap (kh, kw) is used of
 * dy[b][oh][ow][n] x[b][ih][iw][c]; dw: N x k x k x C. */
void conv_reference_backward_weights(const ConvGeom *g, const float *dy, const float *x,
                                     size_t B, float *dw, float *magnitude);

#endif
