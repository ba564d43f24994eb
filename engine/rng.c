/* rng.c — xoshiro256** (Blackman & Vigna), seeded by splitmix64 of (seed, stream). */
#include "engine/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

void rng_seed_at(Rng *r, uint64_t seed, uint64_t stream, uint64_t index) {
  Rng base;
  rng_seed(&base, seed, stream);
  rng_seed(r, rng_next(&base), index);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(Rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

float rng_uniform(Rng *r) { return (float)(rng_next(r) >> 40) * 0x1.0p-24f; }

double rng_uniform_d(Rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t rng_below(Rng *r, uint64_t n) {
  /* Reject the top partial block so every residue is equally likely. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng_next(r);
  while (x >= limit);
  return x % n;
}

double rng_normal(Rng *r) {
  double u1 = 1.0 - rng_uniform_d(r); /* (0, 1] so log is finite */
  double u2 = rng_uniform_d(r);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
