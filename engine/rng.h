/* rng.h — seeded pseudo-random numbers (xoshiro256**, seeded by splitmix64).
 * Streams are derived from (seed, stream id) so that, e.g., the initial signs
 * depend only on the seed and the model, never on the optimizer. */
#ifndef FLIPSCOPE_RNG_H
#define FLIPSCOPE_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } Rng;

void rng_seed(Rng *r, uint64_t seed, uint64_t stream);
/* The index-th generator of a stream, for draws that must not depend on
 * what was drawn before them (step k's augmentation): seeded from index and
 * the first draw of rng_seed(seed, stream). */
void rng_seed_at(Rng *r, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t rng_next(Rng *r);
/* Uniform in [0, 1) with 24 random bits (float) or 53 (double). */
float rng_uniform(Rng *r);
double rng_uniform_d(Rng *r);
/* Uniform integer in [0, n), unbiased. n >= 1. */
uint64_t rng_below(Rng *r, uint64_t n);
/* Standard normal (Box-Muller, no cached second value). */
double rng_normal(Rng *r);

/* Stream ids used across the project (one place, so they never collide). */
enum {
  RNG_STREAM_SIGNS = 1,   /* initial binary weights */
  RNG_STREAM_LATENT = 2,  /* latent-weight magnitudes */
  RNG_STREAM_SHUFFLE = 3, /* epoch shuffling */
  RNG_STREAM_DATA = 4,    /* built-in data set generators */
  RNG_STREAM_SAMPLE = 5,  /* telemetry weight samples */
  RNG_STREAM_SPLIT = 6,   /* the val-frac hold-out and data set splits */
  RNG_STREAM_REAL = 7,    /* initial weights of the real first and last layers */
  RNG_STREAM_TRACE = 8,   /* randomly picked traced weights (engine/trace.h) */
  RNG_STREAM_AUGMENT = 9  /* each training step's crops and flips (engine/augment.h) */
};

#endif
