/* pool.h — pooling layers on NHWC activations (B x H x W x C floats, as
 * conv.h): 2x2 max and average pooling with stride 2, and global average
 * pooling. Every window is within one image and one channel.
 *
 * The 2x2 pools take H, W >= 2 and give Ho = H / 2, Wo = W / 2 (rounded
 * down, Keras's 'valid'): an odd last row or column is not read, and its
 * gradient is 0. Window (oh, ow) is rows 2 oh, 2 oh + 1 and columns 2 ow,
 * 2 ow + 1; its four inputs are numbered 0 (top left), 1 (top right),
 * 2 (bottom left), 3 (bottom right).
 */
#ifndef FLIPSCOPE_POOL_H
#define FLIPSCOPE_POOL_H

#include <stddef.h>
#include <stdint.h>

/* y (B x Ho x Wo x C) = the largest of each window; arg (same shape, bytes)
 * = the number of the input that gave it: the first in the order 0..3 among
 * equal values (exact ties are common after a binary convolution), and the
 * first NaN if there is one (a NaN input gives a NaN output). */
void maxpool2_forward(const float *x, size_t B, size_t H, size_t W, size_t C, float *y,
                      uint8_t *arg);
/* The same for one row of windows, on the calling thread: x two rows of W x
 * C (the second at x + W C), y and arg W / 2 x C. */
void maxpool2_row(const float *x, size_t W, size_t C, float *y, uint8_t *arg);
/* dx (B x H x W x C) = dy (B x Ho x Wo x C) at the input arg names, 0 at the
 * other three and at unread rows and columns. */
void maxpool2_backward(const float *dy, const uint8_t *arg, size_t B, size_t H, size_t W,
                       size_t C, float *dx);
/* y (B x Ho x Wo x C) = ((in0 + in1) + (in2 + in3)) * 0.25. */
void avgpool2_forward(const float *x, size_t B, size_t H, size_t W, size_t C, float *y);
/* dx (B x H x W x C) = dy (B x Ho x Wo x C) * 0.25 at each of the window's
 * four inputs, 0 at unread rows and columns. */
void avgpool2_backward(const float *dy, size_t B, size_t H, size_t W, size_t C, float *dx);

/* y (B x C) = the mean of each channel over the H*W pixels of each image:
 * the sum in pixel order, times 1 / (H W). */
void global_avgpool_forward(const float *x, size_t B, size_t H, size_t W, size_t C, float *y);
/* dx (B x H x W x C) = dy (B x C) times 1 / (H W) at every pixel. */
void global_avgpool_backward(const float *dy, size_t B, size_t H, size_t W, size_t C, float *dx);

#endif
