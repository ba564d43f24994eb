/* split.h — what every loader needs once it has rows: one owned block of
 * float features and labels cut into train and test splits, a seeded shuffle,
 * the validation hold-out (val-frac) and standardisation on the training
 * split's statistics.
 */
#ifndef FLIPSCOPE_SPLIT_H
#define FLIPSCOPE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/dataset.h"
#include "engine/rng.h"

/* Allocates one block for n_train + n_test rows of `dim` floats and a label
 * each, and points out->train / out->test (no val) into it, train first.
 * Returns 0, or -1 with "NAME: out of memory (... MB)" in err. */
int split_alloc_f32(Dataset *out, const char *name, size_t n_train, size_t n_test, size_t dim,
                    size_t classes, char *err, size_t errlen);

/* Labels are bytes: at most this many classes. */
#define SPLIT_MAX_CLASSES 256

/* Finds the first run of empty classes below the largest label, given how
 * many records hold each label: sets *lo..*hi and returns 1, or returns 0
 * when every class from 0 to the largest label has a record. */
int split_classes_gap(const size_t counts[SPLIT_MAX_CLASSES], unsigned *lo, unsigned *hi);

/* Shuffles n rows of x (n x dim) and y together, Fisher-Yates from r. */
void split_shuffle_rows(float *x, uint8_t *y, size_t n, size_t dim, Rng *r);

/* The number of training rows round(frac * n), clamped to 1..n-1. */
size_t split_count(size_t n, double frac);

/* Moves round(frac * train.n) training rows, chosen from (seed,
 * RNG_STREAM_SPLIT), into d->val; the rest keep their order. frac in (0, 1).
 * Returns 0, ERR_USAGE with a message naming val-frac (the training or the
 * validation split would be empty) or ERR_RUNTIME (no memory). */
int split_hold_out(Dataset *d, double frac, uint64_t seed, char *err, size_t errlen);

/* Standardises float features in place: each feature minus the training
 * split's mean, over its standard deviation (1 where that is 0), in train,
 * val and test alike; a test or validation outlier further than SPLIT_MAX_Z
 * deviations is clipped there. Byte-feature sets are left alone. */
#define SPLIT_MAX_Z 1e6
void split_standardise(Dataset *d);

/* Standardises byte images per channel, through their byte map: for channel
 * c of d->train.channels, mean_c and sd_c over every pixel of the training
 * split, then x = (byte - mean_c) / sd_c (sd_c 0 counts as 1) in train, val
 * and test alike: u8_scale[c] = 1 / sd_c, u8_offset[c] = -mean_c / sd_c.
 * Float sets and sets without channels are left alone. */
void split_standardise_channels(Dataset *d);

#endif
