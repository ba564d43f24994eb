/* conv_narrow_amx.h — the weight gradient of a stride-1 convolution with
 * few input channels (a first layer: 1 for Fashion-MNIST, 3 for CIFAR-10)
 * in AVX-512 BF16, where the implicit product of conv_amx.h (C a multiple
 * of 16) does not fit and an im2col block of k k C floats per output costs
 * more than its few multiply-accumulates.
 *
 * Shapes: dy B x Ho x Wo x N (N a multiple of 16, at most 64), x B x H x W x
 * C (C < 16), dW N x K, K = k k C.
 * Math: dW[n][kh][kw][c] = the sum over images and outputs (i, j) of
 *   dy[i][j][n] x[i + kh - pad_top][j + kw - pad_left][c].
 * On x's padded grid (Wp = Wo + k - 1 pixels a row, x's pixel (ih, iw) at
 * (ih + pad_top, iw + pad_left), zeros around) output q = i Wp + j reads, for
 * tap (kh, kw), the pixel q + kh Wp + kw. Per image each channel's grid is
 * rounded to bf16 into a plane, and dy into pairs of outputs (q, q + 1), 16
 * channels n a vector (u32 n holding both, 0 where j >= Wo); then for every
 * column t = (kh, kw, c) of dW and every 16 channels
 *   acc[n] += dy[q][n] x_c[q + off] + dy[q + 1][n] x_c[q + 1 + off]
 * (one VDPBF16PS with the plane's pair broadcast), over the pairs in order,
 * in fp32, then over the images in order: the same whatever the thread
 * count.
 */
#ifndef FLIPSCOPE_CONV_NARROW_AMX_H
#define FLIPSCOPE_CONV_NARROW_AMX_H

#include <stddef.h>

#include "engine/conv_geom.h"

/* Columns of dW summed together (their accumulators in registers). */
enum { NARROW_COLUMNS = 3 };

typedef struct {
  size_t wp;      /* the grid's width, Wo + k - 1 */
  size_t pairs;   /* pairs of outputs: Ho Wp / 2, rounded up */
  size_t plane;   /* bf16 per channel's plane, with the pixels the last pairs read */
  size_t halves;  /* vectors of 16 channels n: N / 16 */
} ConvNarrowShape;

static inline ConvNarrowShape conv_narrow_shape(const ConvGeom *g) {
  ConvNarrowShape s;
  size_t k = g->kernel;
  s.wp = g->out_width + k - 1;
  s.pairs = (g->out_height * s.wp + 1) / 2;
  s.plane = (2 * s.pairs + (k - 1) * (s.wp + 1) + 31) / 32 * 32;
  s.halves = g->out_ch / 16;
  return s;
}

/* Whether conv_narrow_backward_weights takes g. */
static inline int conv_narrow_fit(const ConvGeom *g) {
  return g->stride == 1 && g->in_ch < 16 && g->out_ch % 16 == 0 && g->out_ch <= 64;
}

/* Scratch bytes of conv_narrow_backward_weights (64-byte multiples): the
 * planes, then the pairs of dy. */
static inline size_t conv_narrow_scratch_bytes(const ConvGeom *g) {
  ConvNarrowShape s = conv_narrow_shape(g);
  return (g->in_ch * s.plane * 2 + 63) / 64 * 64 + s.pairs * s.halves * 64;
}

/* sum (N x K) = the weight gradient of images [b0, b1) (b0 < b1; g fits)
 * from dy and x, on the calling thread; scratch:
 * conv_narrow_scratch_bytes(g), 64-byte aligned. Runs only where
 * amx_bf16_missing() is NULL (it needs AVX-512 BF16, which every AMX-BF16
 * CPU has). */
void conv_narrow_backward_weights(const ConvGeom *g, const float *dy, const float *x, size_t b0,
                                  size_t b1, float *sum, void *scratch);

#endif
