/* dense.h — the binary dense layer: y = x W^T with W in {-1,+1}^(N x K).
 *
 * The first layer takes real input (x: B x K floats) through a real product
 * (matmul.h) with the +-1 float copy of W; later layers take binary input
 * (bit-packed signs) through the XNOR-popcount bgemm. The backward pass is
 * real-valued:
 *   dW = dy^T x          (N x K, the straight-through gradient dL/db)
 *   dx = dy W            (B x K, for the layer below)
 * Real products run on the variant mm (matmul_for of the model's precision),
 * split between the threads of parallel.h, each thread running one
 * single-threaded product on its slice of the output. W, and x in dW, are
 * MatmulOperands: floats, with their sign bits where they are +-1 (a binary
 * layer's weights, the sign activations of a hidden layer), which the AMX
 * variant packs its tiles from.
 */
#ifndef FLIPSCOPE_DENSE_H
#define FLIPSCOPE_DENSE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/matmul.h"

/* Called by dense_backward_weights as soon as gradient rows [row_begin,
 * row_end) are ready, while they are still in cache; returns how many of
 * those weights it flipped. Runs on several threads at once, on disjoint rows. */
typedef struct {
  size_t (*fn)(void *ctx, size_t row_begin, size_t row_end);
  void *ctx;
} DenseUpdate;

/* y (B x N) = x (B x K) . W^T, W: N x K. */
void dense_forward_real(const MatmulKernels *mm, const float *x, const MatmulOperand *w, size_t B,
                        size_t K, size_t N, float *y);
/* y (B x N) = xbits . wbits^T over +-1, both packed along K. */
void dense_forward_binary(const uint64_t *xbits, const uint64_t *wbits, size_t B, size_t K,
                          size_t N, float *y);
/* grad (N x K) = dy^T (N x B) . x (B x K), x the layer input; then update
 * (if not NULL) on each block of rows. Returns the flips it reported. */
size_t dense_backward_weights(const MatmulKernels *mm, const float *dy, const MatmulOperand *x,
                              size_t B, size_t K, size_t N, float *grad, const DenseUpdate *update);
/* dx (B x K) = dy (B x N) . W (N x K). */
void dense_backward_input(const MatmulKernels *mm, const float *dy, const MatmulOperand *w,
                          size_t B, size_t K, size_t N, float *dx);

#endif
