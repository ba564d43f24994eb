/* conv_geom.h — the shape of a 2-D convolution: input, kernels, stride,
 * padding and what they give (conv.h has the layer's products).
 *
 * Geometry, as Keras/TensorFlow (and Larq) define it, per axis (H shown):
 *   valid: Ho = (H - k) / s + 1, no padding (H >= k);
 *   same:  Ho = ceil(H / s), P = max((Ho - 1) s + k - H, 0) zero rows in
 *          all, pad_top = P / 2 before the image and the rest after.
 * Output position (oh, ow) sees input rows ih = oh s - pad_top + kh and
 * columns iw = ow s - pad_left + kw, 0 <= kh, kw < k; a tap outside the image
 * is a zero input: it counts as neither +1 nor -1.
 */
#ifndef FLIPSCOPE_CONV_GEOM_H
#define FLIPSCOPE_CONV_GEOM_H

#include <stddef.h>

typedef enum { CONV_SAME, CONV_VALID } ConvPadding;

/* The largest K = k*k*C: binary dot products stay exact integers in floats. */
#define CONV_MAX_TAPS ((size_t)1 << 24)

typedef struct {
  size_t height, width, in_ch;   /* H, W, C of the input */
  size_t out_ch, kernel, stride; /* N, k, s */
  ConvPadding padding;
  size_t out_height, out_width;  /* Ho, Wo */
  size_t pad_top, pad_left;      /* zero rows / columns before the image */
  size_t pad_bottom, pad_right;  /* and after it */
  size_t taps;                   /* K = k*k*C, the length of a weight row */
} ConvGeom;

/* Fills g for an H x W x C input, N output channels, k x k kernels, stride s.
 * Returns 0, or ERR_USAGE (error.h) with one line in err that names no
 * setting (the caller prefixes the one it came from): a zero size, valid
 * padding with k > H or W, K >= CONV_MAX_TAPS. */
int conv_geom_init(ConvGeom *g, size_t H, size_t W, size_t C, size_t N, size_t k, size_t s,
                   ConvPadding padding, char *err, size_t errlen);

#endif
