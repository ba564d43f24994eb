/* conv.h — the binary 2-D convolution layer: y = conv(x, W), W in {-1,+1}.
 *
 * Layout (NHWC): activations are B x H x W x C floats, channels fastest, so a
 * batch of images is also a (B*H*W) x C matrix: batch norm and the sign
 * activation run on it unchanged (one feature per channel), a flattened
 * image is one contiguous row for a dense layer, and the C values of a
 * kernel row's k pixels are contiguous in memory. Weights are N x k x k x C
 * (output channel, kernel row, kernel column, input channel): row n is the
 * K = k*k*C inputs of output channel n, in the order an im2col row has them,
 * so the weights are an N x K matrix exactly as for dense.h.
 *
 * Geometry: conv_geom.h.
 *
 * Binary input (bit-packed signs) goes through the XNOR-popcount GEMM
 * (bitpack.h) on a bit-packed im2col; real input (the first layer) and the
 * backward pass go through the real products of matmul.h (mm: the model's
 * precision, as for dense.h) on float im2col blocks; on AMX, a stride-1
 * convolution's gradients run as the implicit products of conv_amx.h. Work
 * is split between the threads of parallel.h so that every output element is
 * computed by the same code in the same order whatever the thread count:
 * results do not depend on it. Nothing is allocated: the caller provides a scratch
 * block of conv_scratch_bytes(), 64-byte aligned.
 */
#ifndef FLIPSCOPE_CONV_H
#define FLIPSCOPE_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "engine/conv_geom.h"
#include "engine/dense.h"
#include "engine/simd.h"

/* Bytes of scratch every function below needs when run on up to `threads`
 * threads (par_threads() at the call must not exceed it). */
size_t conv_scratch_bytes(const ConvGeom *g, size_t threads);

/* y (B x Ho x Wo x N) = conv(x, W) over +-1 values.
 * xbits: the input signs packed as B*H rows of W*C bits,
 *        bits_pack_rows(x, B * H, W * C, xbits) (a row per image row);
 * wbits: the weights packed as N rows of K bits, bits_pack_rows(sign, N, K).
 * The result is exact (integers below 2^24) and the same for every SIMD
 * variant. The arithmetic is in the comment above the kernel in conv.c. */
void conv_forward_binary(const ConvGeom *g, const uint64_t *xbits, const uint64_t *wbits,
                         size_t B, float *y, void *scratch);
/* y (B x Ho / 2 x Wo / 2 x N) and arg = maxpool2_forward (pool.h) of that
 * product, the same bits, each pair of output rows pooled while it is in
 * cache: the whole product is never stored. */
void conv_forward_binary_maxpool(const ConvGeom *g, const uint64_t *xbits,
                                 const uint64_t *wbits, size_t B, float *y, uint8_t *arg,
                                 void *scratch);
/* The same by a named variant (tests and benchmarks); the CPU must support
 * it (simd_supported). */
void conv_forward_binary_variant(SimdLevel level, const ConvGeom *g, const uint64_t *xbits,
                                 const uint64_t *wbits, size_t B, float *y, void *scratch);
/* y (B x Ho x Wo x N) = conv(x, sign) for real input x (B x H x W x C) and
 * sign (N x K floats: +-1, or a real layer's weights): float im2col + mm. */
void conv_forward_real(const MatmulKernels *mm, const ConvGeom *g, const float *x,
                       const float *sign, size_t B, float *y, void *scratch);
/* dx (B x H x W x C) = dL/dx from dy (B x Ho x Wo x N) through the weights
 * w (N x K, +-1 floats with their sign bits where the layer keeps them):
 *   dx[b][ih][iw][c] = sum over (oh, ow, kh, kw) that read (ih, iw), and n,
 *                      of dy[b][oh][ow][n] w[n][kh][kw][c];
 * padded taps receive nothing. */
void conv_backward_input(const MatmulKernels *mm, const ConvGeom *g, const float *dy,
                         const MatmulOperand *w, size_t B, float *dx, void *scratch);
/* grad (N x K) = dL/dW from dy (B x Ho x Wo x N) and the layer input x
 * (x->values B x H x W x C floats, the +-1 signs for a binary layer, with
 * their bits in x->signs as conv_forward_binary takes them, or NULL):
 *   grad[n][kh][kw][c] = sum over b, (oh, ow) with (ih, iw) inside the image
 *                        of dy[b][oh][ow][n] x[b][ih][iw][c].
 * Then update (if not NULL) on each block of rows [n0, n1) as soon as its
 * gradient is complete, as dense_backward_weights does; returns the flips
 * the update reported. */
size_t conv_backward_weights(const MatmulKernels *mm, const ConvGeom *g, const float *dy,
                             const MatmulOperand *x, size_t B, float *grad,
                             const DenseUpdate *update, void *scratch);
/* The gradient conv_backward reads: dL/d(product) dy (B x Ho x Wo x N) in
 * `values`, or, where max_arg is not NULL, the gradient of the 2x2 max
 * pooling above the product (B x Ho / 2 x Wo / 2 x N) in `values` with the
 * pooling's winners (pool.h). conv_backward unpools it as maxpool2_backward
 * does: while it copies each image where its products are conv_amx.h's
 * (the product's gradient is then never stored), else into `unpooled`
 * (B x Ho x Wo x N). */
typedef struct {
  const float *values;
  const uint8_t *max_arg;
  float *unpooled;
} ConvGradient;

/* Both: dx as conv_backward_input gives it (w the weights before the
 * update; dx NULL: none) and grad with its update as conv_backward_weights
 * gives them, the same bits; where the weight gradient is conv_amx.h's
 * implicit product the two read each image of dy once, together. */
size_t conv_backward(const MatmulKernels *mm, const ConvGeom *g, const ConvGradient *dy,
                     const MatmulOperand *w, const MatmulOperand *x, size_t B, float *dx,
                     float *grad, const DenseUpdate *update, void *scratch);
/* Whether conv_backward_weights through mm runs as conv_amx.h's implicit
 * product, which reads a binary input from its bits alone (x->values may
 * then be NULL where x->signs is given). */
int conv_weights_implicit(const MatmulKernels *mm, const ConvGeom *g);

#endif
