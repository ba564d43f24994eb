/* glyphs.h — the built-in generated data set: 10 classes of 16x16 grayscale
 * stroke glyphs (bars, diagonals, crosses, ring, square, triangle, dots), each
 * drawn with seeded jitter and noise so that a linear model clearly loses to a
 * small multi-layer network. Needs no files; generation takes milliseconds.
 */
#ifndef FLIPSCOPE_GLYPHS_H
#define FLIPSCOPE_GLYPHS_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/dataset.h"

#define GLYPHS_SIDE 16
#define GLYPHS_CLASSES 10
#define GLYPHS_TRAIN 12000
#define GLYPHS_TEST 2000

/* Draws n_train + n_test samples (labels cycle 0..9, so classes are balanced)
 * as floats in [-1, 1], deterministically from seed. Sets everything in *out
 * except out->name. Returns 0, or -1 with err set (out of memory). */
int glyphs_generate(uint64_t seed, size_t n_train, size_t n_test, Dataset *out, char *err,
                    size_t errlen);

#endif
