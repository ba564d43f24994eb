/* playground.h — the 2-D teaching sets of TensorFlow Playground: spiral, xor,
 * circles and gauss, two classes each, generated from the seed.
 *
 * The shapes, and what the noise setting does to each, follow Playground's dataset.ts
 * (noise 0 to 0.5 there; larger values are allowed here): spiral and circles
 * jitter the points, xor jitters them before they are labelled, gauss widens
 * the two clusters (variance 0.5 at noise 0 up to 4 at noise 0.5).
 * Coordinates are Playground's divided by 5, so they lie in about [-1, 1].
 */
#ifndef FLIPSCOPE_PLAYGROUND_H
#define FLIPSCOPE_PLAYGROUND_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/dataset.h"

#define PLAYGROUND_POINTS 2000      /* train + test */
#define PLAYGROUND_TRAIN_FRAC 0.5   /* Playground's default ratio */

typedef enum { PG_SPIRAL, PG_XOR, PG_CIRCLES, PG_GAUSS } PlaygroundKind;

/* "spiral" ... -> kind, or -1. */
int playground_parse(const char *name);

/* Draws n points (half per class) with the given noise, shuffles them and
 * keeps round(train_frac * n) for training, the rest for the test split.
 * Sets everything in *out except out->name. Returns 0, or -1 with err set. */
int playground_generate(PlaygroundKind kind, size_t n, double noise, double train_frac,
                        uint64_t seed, Dataset *out, char *err, size_t errlen);

#endif
