/* data.h — a labelled data split as the trainer sees it, and batch gathering.
 *
 * Features are stored either as floats or as bytes with an affine map per
 * channel (x = byte * u8_scale[c] + u8_offset[c]), so the 60,000 Fashion-MNIST
 * images take 47 MB rather than 188 MB. Images are laid out NHWC: pixel
 * (y, x), channel c of a sample is its feature (y * width + x) * channels + c.
 * Loaders live in datasets/; the engine only reads.
 */
#ifndef FLIPSCOPE_DATA_H
#define FLIPSCOPE_DATA_H

#include <stddef.h>
#include <stdint.h>

#define DATA_MAX_CHANNELS 4

typedef struct {
  size_t n;              /* samples */
  size_t dim;            /* features per sample */
  size_t classes;        /* labels are in [0, classes) */
  const float *x_f32;    /* n x dim, or NULL when x_u8 is used */
  const uint8_t *x_u8;   /* n x dim, or NULL */
  /* The byte map of channel c (only [0], for every feature, when channels <= 1). */
  float u8_scale[DATA_MAX_CHANNELS], u8_offset[DATA_MAX_CHANNELS];
  const uint8_t *labels; /* n */
  /* Image geometry when dim == height * width * channels (channels 1 grey,
   * 3 RGB); all 0 for flat data (CSV, the 2-D sets). */
  size_t width, height, channels;
} DataSplit;

/* x_out[r] = features of sample idx[r]; y_out[r] = its label (count rows). */
void data_gather(const DataSplit *s, const uint32_t *idx, size_t count, float *x_out,
                 uint8_t *y_out);
/* Same for the contiguous range [first, first + count). */
void data_gather_range(const DataSplit *s, size_t first, size_t count, float *x_out,
                       uint8_t *y_out);

#endif
