/* playground.c — the TensorFlow Playground sets (see playground.h).
 *
 * Each generator writes (x, y, label) for point i of n in Playground's units
 * (a radius of 5); every random draw comes from one RNG_STREAM_DATA stream.
 */
#include "datasets/playground.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datasets/split.h"
#include "engine/rng.h"

#define RADIUS 5.0
#define XOR_PADDING 0.3
#define CIRCLE_INNER 0.5 /* class 1: r < 0.5 R; class 0 drawn from [0.7 R, R] */

static const char *const names[] = {"spiral", "xor", "circles", "gauss"};

int playground_parse(const char *name) {
  for (int k = 0; k < 4; k++)
    if (strcmp(name, names[k]) == 0) return k;
  return -1;
}

static double uniform(Rng *r, double lo, double hi) { return lo + (hi - lo) * rng_uniform_d(r); }

/* Two arms of 1.75 turns, one per class, half a turn apart. */
static int spiral_point(Rng *r, size_t i, size_t n, double noise, double *x, double *y) {
  size_t half = n / 2, k = i < half ? i : i - half;
  int label = i < half;
  double frac = (double)k / (double)(i < half ? half : n - half);
  double radius = frac * RADIUS, t = 1.75 * frac * 2 * M_PI + (label ? 0 : M_PI);
  *x = radius * sin(t) + uniform(r, -1, 1) * noise;
  *y = radius * cos(t) + uniform(r, -1, 1) * noise;
  return label;
}

/* A disc (class 1) inside a ring (class 0); the label follows the jittered point. */
static int circle_point(Rng *r, size_t i, size_t n, double noise, double *x, double *y) {
  int inner = i < n / 2;
  double radius = inner ? uniform(r, 0, RADIUS * CIRCLE_INNER) : uniform(r, 0.7 * RADIUS, RADIUS);
  double angle = uniform(r, 0, 2 * M_PI);
  *x = radius * sin(angle) + uniform(r, -RADIUS, RADIUS) * noise;
  *y = radius * cos(angle) + uniform(r, -RADIUS, RADIUS) * noise;
  return hypot(*x, *y) < RADIUS * CIRCLE_INNER;
}

/* Uniform points off the axes, labelled by the quadrant of the jittered point. */
static int xor_point(Rng *r, size_t i, size_t n, double noise, double *x, double *y) {
  (void)i, (void)n;
  double px = uniform(r, -RADIUS, RADIUS), py = uniform(r, -RADIUS, RADIUS);
  px += px > 0 ? XOR_PADDING : -XOR_PADDING;
  py += py > 0 ? XOR_PADDING : -XOR_PADDING;
  *x = px + uniform(r, -RADIUS, RADIUS) * noise;
  *y = py + uniform(r, -RADIUS, RADIUS) * noise;
  return *x * *y >= 0;
}

/* Two Gaussian clusters at (2, 2) (class 1) and (-2, -2) (class 0). */
static int gauss_point(Rng *r, size_t i, size_t n, double noise, double *x, double *y) {
  int label = i < n / 2;
  double variance = 0.5 + (4.0 - 0.5) * noise / 0.5, sd = sqrt(variance);
  double c = label ? 2.0 : -2.0;
  *x = c + sd * rng_normal(r);
  *y = c + sd * rng_normal(r);
  return label;
}

int playground_generate(PlaygroundKind kind, size_t n, double noise, double train_frac,
                        uint64_t seed, Dataset *out, char *err, size_t errlen) {
  static int (*const point[])(Rng *, size_t, size_t, double, double *, double *) = {
      spiral_point, xor_point, circle_point, gauss_point};
  if (n < 2) {
    snprintf(err, errlen, "%s: needs at least 2 points", names[kind]);
    return -1;
  }
  size_t n_train = split_count(n, train_frac);
  if (split_alloc_f32(out, names[kind], n_train, n - n_train, 2, 2, err, errlen)) return -1;
  float *x = (float *)out->train.x_f32;
  uint8_t *labels = (uint8_t *)out->train.labels;
  Rng r;
  rng_seed(&r, seed, RNG_STREAM_DATA);
  for (size_t i = 0; i < n; i++) {
    double px, py;
    labels[i] = (uint8_t)point[kind](&r, i, n, noise, &px, &py);
    x[2 * i] = (float)(px / RADIUS);
    x[2 * i + 1] = (float)(py / RADIUS);
  }
  split_shuffle_rows(x, labels, n, 2, &r);
  return 0;
}
