/* conv_amx.h — the input gradient of a stride-1 convolution on AMX tiles,
 * as an implicit GEMM: no im2col gradient, no col2im.
 *
 * Shapes: dy B x Ho x Wo x N, w N x k x k x C (conv.h), dx B x H x W x C.
 * Math: with stride 1, dx[i][j] = sum over (kh, kw) of
 *   dy[i + pad_top - kh][j + pad_left - kw] . w[.][kh][kw][.]
 * (a product over n; dy outside its image is 0). Each image's dy is rounded
 * to bf16 into a zero-bordered copy, Hp = H + k - 1 rows of Wp = W + k - 1
 * pixels of Np = N rounded up to 32 channels, dy's pixel (oh, ow) at
 * (oh + k - 1 - pad_top, ow + k - 1 - pad_left). Output q = i Wp + j of the
 * padded grid then reads, for tap (kh, kw), the copy's pixel
 *   q + (k - 1 - kh) Wp + (k - 1 - kw),
 * so 16 consecutive q make one A tile loaded straight from the copy (row
 * stride Np), whatever the tap: dx (H Wp x C) = sum over the k k Np / 32
 * steps (kh, kw, 32 channels n) of A_step (H Wp x 32) . B_step (32 x C),
 * B_step = w[n][kh][kw][c] packed once per call. Outputs with j >= W are
 * computed and dropped (W + k - 1 columns for W). The sums of an output run
 * over the steps in order, in fp32, the same whatever the thread count.
 * The copy and the packed weights live in the caller's scratch.
 */
#ifndef FLIPSCOPE_CONV_AMX_H
#define FLIPSCOPE_CONV_AMX_H

#include <stddef.h>

#include "engine/conv_geom.h"

/* The padded copy and the tiles of geometry g (stride 1). */
typedef struct {
  size_t top, left;     /* zero pixels before dy's rows / columns: k - 1 - pad */
  size_t hp, wp;        /* the copy's height and width, H + k - 1, W + k - 1 */
  size_t np;            /* channels per copied pixel: N rounded up to 32 */
  size_t tiles;         /* 16-row tiles of outputs: H Wp / 16, rounded up */
  size_t pixels;        /* pixels of the copy, with the rows the last tiles read */
  size_t steps, panels; /* k k Np / 32 steps of k, C / 16 (rounded up) panels */
} ConvAmxShape;

static inline ConvAmxShape conv_amx_shape(const ConvGeom *g) {
  ConvAmxShape s;
  size_t k = g->kernel;
  s.top = k - 1 - g->pad_top;
  s.left = k - 1 - g->pad_left;
  s.hp = g->height + k - 1;
  s.wp = g->width + k - 1;
  s.np = (g->out_ch + 31) / 32 * 32;
  s.tiles = (g->height * s.wp + 15) / 16;
  size_t read = s.tiles * 16 + (k - 1) * (s.wp + 1);
  s.pixels = read > s.hp * s.wp ? read : s.hp * s.wp;
  s.steps = k * k * s.np / 32;
  s.panels = (g->in_ch + 15) / 16;
  return s;
}

/* Scratch bytes of conv_amx_backward_input (64-byte multiples): the copy,
 * the packed weights, one C tile. */
static inline size_t conv_amx_scratch_bytes(const ConvGeom *g) {
  ConvAmxShape s = conv_amx_shape(g);
  size_t copy = (s.pixels * s.np * 2 + 63) / 64 * 64;
  return copy + s.steps * s.panels * 1024 + 1024;
}

/* dx of images [b0, b1) (g->stride == 1) from dy and the weights' floats w
 * (N x K), on the calling thread; scratch: conv_amx_scratch_bytes(g),
 * 64-byte aligned. Runs only where amx_bf16_missing() is NULL. */
void conv_amx_backward_input(const ConvGeom *g, const float *dy, const float *w, size_t b0,
                             size_t b1, float *dx, void *scratch);

#endif
