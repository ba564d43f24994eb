/* augment.h — training-time image augmentation on a gathered float batch
 * (NHWC images, engine/data.h): per sample, a random crop of the image padded
 * with AUGMENT_PAD zero pixels on each side, and a random horizontal flip
 * with probability 1/2. Zero is the mean of standardised features.
 *
 * The draws of training step k (1-based) come from a generator of their own,
 * rng_seed_at(seed, RNG_STREAM_AUGMENT, k), so a resumed run draws exactly
 * what an uninterrupted one does, with no state to save.
 */
#ifndef FLIPSCOPE_AUGMENT_H
#define FLIPSCOPE_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

/* The kinds, as bits of TrainConfig.augment (0: none). */
enum { AUGMENT_CROP = 1, AUGMENT_FLIP = 2, AUGMENT_ALL = AUGMENT_CROP | AUGMENT_FLIP };

#define AUGMENT_PAD 4

/* One sample's transform: the crop window's top-left corner in the padded
 * image, 0..2 * AUGMENT_PAD on each axis (AUGMENT_PAD, AUGMENT_PAD: no
 * shift), and whether the crop is mirrored left to right. */
typedef struct {
  uint8_t dy, dx, flip;
} AugmentDraw;

/* "none", "crop", "flip", "crop,flip" or "flip,crop": the kinds' bits, or -1. */
int augment_parse(const char *text);
/* The kinds as augment_parse reads them: "none", "crop", "flip", "crop,flip". */
const char *augment_name(unsigned kinds);

/* The transforms of count samples at training step `step` of a run seeded
 * `seed`, drawn per sample in order: with AUGMENT_CROP dy then dx, each
 * rng_below(2 * AUGMENT_PAD + 1) (else both AUGMENT_PAD); with AUGMENT_FLIP
 * flip = the top bit of rng_next (else 0). */
void augment_draw(uint64_t seed, uint64_t step, unsigned kinds, size_t count, AugmentDraw *out);

/* Transforms count images in place, x being count x height x width x
 * channels floats, through scratch (height * width * channels floats).
 * With P = AUGMENT_PAD and (dy, dx, flip) sample b's draw:
 *   out[b, y, x, c] = in[b, y + dy - P, x' + dx - P, c],  x' = flip ? W-1-x : x,
 * or 0 where that pixel lies outside the image (in the padding). */
void augment_apply(float *x, size_t count, size_t height, size_t width, size_t channels,
                   const AugmentDraw *draws, float *scratch);

#endif
