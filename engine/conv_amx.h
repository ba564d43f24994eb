/* conv_amx.h — the gradients of a stride-1 convolution on AMX tiles, as
 * implicit GEMMs: no im2col rows, no col2im.
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
#include <stdint.h>

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

/* Whether conv_amx_backward computes g's dx. */
static inline int conv_amx_input_fit(const ConvGeom *g) { return g->stride == 1; }

/* The weight gradient as an implicit product too (stride 1, C and N
 * multiples of 16). Shapes: dy B x Ho x Wo x N, x B x H x W x C, dW N x K.
 * Math: dW[n][kh][kw][c] = the sum over images and outputs (i, j) of
 *   dy[i][j][n] x[i + kh - pad_top][j + kw - pad_left][c].
 * On x's padded grid (Hp = Ho + k - 1 rows of Wp = Wo + k - 1 pixels, x's
 * pixel (ih, iw) at (ih + pad_top, iw + pad_left), zeros around it) output
 * q = i Wp + j reads, for tap (kh, kw), the pixel q + kh Wp + kw. Per image,
 * dy^T taken from dy's bf16 copy above (N x Q, Q = Ho Wp rounded up to 32, 0
 * where j >= Wo) gives the A tiles, and the grid's pixels in pairs (p, p + 1), one copy
 * pairing from each even p and one from each odd p (the VNNI rows of B),
 * the B tiles, each loaded straight from them:
 *   dW (N x K) += dy^T (N x Q) . X_tap (Q x C), for every tap,
 * summed in fp32 over the images in order, then over each image's Q / 32
 * steps in order: the same whatever the thread count. */
typedef struct {
  size_t wp;               /* the grid's width, Wo + k - 1 */
  size_t steps, q;         /* steps of 32 outputs; Q = 32 steps */
  size_t pairs;            /* pairs of pixels in each copy, with the rows the last tiles read */
  size_t n_panels, c_panels;
} ConvAmxWeights;

static inline ConvAmxWeights conv_amx_weights_shape(const ConvGeom *g) {
  ConvAmxWeights s;
  size_t k = g->kernel;
  s.wp = g->out_width + k - 1;
  s.steps = (g->out_height * s.wp + 31) / 32;
  s.q = s.steps * 32;
  s.pairs = (s.q + (k - 1) * (s.wp + 1)) / 2 + 1;
  s.n_panels = g->out_ch / 16;
  s.c_panels = g->in_ch / 16;
  return s;
}

/* Whether conv_amx_backward computes g's weight gradient. */
static inline int conv_amx_weights_fit(const ConvGeom *g) {
  return g->stride == 1 && g->in_ch % 16 == 0 && g->out_ch % 16 == 0;
}

/* Where conv_amx_backward keeps what it builds in its scratch (byte offsets,
 * 64-byte multiples): the copy of dy at 0, the packed weights, one C tile,
 * dy^T and the two copies of pairs (these three where the weight gradient
 * fits); `bytes` in all. */
typedef struct {
  size_t tiles, edge, dyt, even, odd, bytes;
} ConvAmxScratch;

static inline ConvAmxScratch conv_amx_scratch(const ConvGeom *g) {
  ConvAmxShape s = conv_amx_shape(g);
  ConvAmxWeights w = conv_amx_weights_shape(g);
  ConvAmxScratch at;
  at.tiles = (s.pixels * s.np * 2 + 63) / 64 * 64;
  at.edge = at.tiles + s.steps * s.panels * 1024;
  at.dyt = at.edge + 1024;
  at.even = at.dyt;
  at.odd = at.dyt;
  at.bytes = at.dyt;
  if (conv_amx_weights_fit(g)) {
    at.even = at.dyt + g->out_ch * w.q * 2;
    at.odd = at.even + w.pairs * g->in_ch * 4;
    at.bytes = at.odd + w.pairs * g->in_ch * 4;
  }
  return at;
}

/* What conv_amx_backward reads and writes besides the weight gradient: dy
 * (B x Ho x Wo x N), or where pool_arg is not NULL the gradient of the 2x2
 * max pooling above the product (B x Ho / 2 x Wo / 2 x N) with its winners
 * (pool.h), unpooled as maxpool2_backward does while each image is copied;
 * for dx (B x H x W x C, or NULL: none) the weights' floats w (N x K); for
 * the weight gradient the input x, read from its bits xbits (B x H rows of
 * W C bits, as conv_forward_binary takes them: +-1 inputs, 1/32 of the
 * floats' bytes, the same bf16) where not NULL. */
typedef struct {
  const float *dy;
  const uint8_t *pool_arg;
  const float *w;
  float *dx;
  const float *x;
  const uint64_t *xbits;
} ConvAmxBackward;

/* The gradients of images [b0, b1) (b0 < b1), on the calling thread: dx of
 * each image where a->dx is not NULL (g fits conv_amx_input_fit), and the
 * weight gradient summed over them into sum (N x K) where sum is not NULL
 * (g fits conv_amx_weights_fit). Each image's dy is rounded once into its
 * copy, which both products read while it is in cache. Scratch:
 * conv_amx_scratch(g).bytes, 64-byte aligned. Runs only where
 * amx_bf16_missing() is NULL. */
void conv_amx_backward(const ConvGeom *g, const ConvAmxBackward *a, size_t b0, size_t b1,
                       float *sum, void *scratch);

#endif
