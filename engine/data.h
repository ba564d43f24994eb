/* data.h — a labelled data split as the trainer sees it, and batch gathering.
 *
 * Features are stored either as floats or as bytes with an affine scale
 * (x = byte * u8_scale + u8_offset), so the 60,000 Fashion-MNIST images take
 * 47 MB rather than 188 MB. Loaders live in datasets/; the engine only reads.
 */
#ifndef FLIPSCOPE_DATA_H
#define FLIPSCOPE_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  size_t n;              /* samples */
  size_t dim;            /* features per sample */
  size_t classes;        /* labels are in [0, classes) */
  const float *x_f32;    /* n x dim, or NULL when x_u8 is used */
  const uint8_t *x_u8;   /* n x dim, or NULL */
  float u8_scale, u8_offset;
  const uint8_t *labels; /* n */
  size_t width, height;  /* image geometry when dim == width*height, else 0 */
} DataSplit;

/* x_out[r] = features of sample idx[r]; y_out[r] = its label (count rows). */
void data_gather(const DataSplit *s, const uint32_t *idx, size_t count, float *x_out,
                 uint8_t *y_out);
/* Same for the contiguous range [first, first + count). */
void data_gather_range(const DataSplit *s, size_t first, size_t count, float *x_out,
                       uint8_t *y_out);

#endif
