/* glyphs.c — draws the built-in `glyphs` data set (see glyphs.h).
 *
 * Each class is a few primitives (segments, rings, discs) in unit coordinates,
 * [-1, 1]^2 with y pointing down. A sample places its glyph with a random
 * rotation, scale, translation and stroke width, renders the distance to the
 * nearest primitive as an anti-aliased stroke of random contrast, and adds
 * pixel noise. Every random draw comes from one RNG_STREAM_DATA stream.
 */
#include "datasets/glyphs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "datasets/split.h"
#include "engine/rng.h"

/* Jitter ranges, tuned so that softmax regression stays well below an MLP. */
#define UNIT_PX 5.0f     /* pixels per glyph unit at scale 1 */
#define SCALE_MIN 0.75f
#define SCALE_MAX 1.10f
#define SHIFT_PX 2.5f    /* translation in [-SHIFT_PX, SHIFT_PX] on each axis */
#define ROTATE_RAD 0.2f  /* rotation in [-ROTATE_RAD, ROTATE_RAD] (about 11 degrees) */
#define HALF_WIDTH_MIN 0.5f
#define HALF_WIDTH_MAX 1.2f
#define CONTRAST_MIN 0.5f
#define NOISE_SD 0.3f

typedef enum { SEGMENT, RING, DISC } PrimKind;

/* SEGMENT (a, b) -> (c, d); RING and DISC centred at (a, b) with radius c. */
typedef struct {
  PrimKind kind;
  float a, b, c, d;
} Prim;

typedef struct {
  int count;
  Prim prim[4];
} Shape;

static const Shape shapes[GLYPHS_CLASSES] = {
    {1, {{SEGMENT, -1, 0, 1, 0}}},                                   /* horizontal bar */
    {1, {{SEGMENT, 0, -1, 0, 1}}},                                   /* vertical bar */
    {1, {{SEGMENT, -0.8f, 0.8f, 0.8f, -0.8f}}},                      /* diagonal, rising */
    {1, {{SEGMENT, -0.8f, -0.8f, 0.8f, 0.8f}}},                      /* anti-diagonal, falling */
    {2, {{SEGMENT, -1, 0, 1, 0}, {SEGMENT, 0, -1, 0, 1}}},           /* plus */
    {2, {{SEGMENT, -0.8f, 0.8f, 0.8f, -0.8f}, {SEGMENT, -0.8f, -0.8f, 0.8f, 0.8f}}}, /* X */
    {1, {{RING, 0, 0, 0.8f, 0}}},                                    /* ring */
    {4,
     {{SEGMENT, -0.75f, -0.75f, 0.75f, -0.75f},
      {SEGMENT, 0.75f, -0.75f, 0.75f, 0.75f},
      {SEGMENT, 0.75f, 0.75f, -0.75f, 0.75f},
      {SEGMENT, -0.75f, 0.75f, -0.75f, -0.75f}}},                    /* square outline */
    {3,
     {{SEGMENT, 0, -0.9f, 0.9f, 0.75f},
      {SEGMENT, 0.9f, 0.75f, -0.9f, 0.75f},
      {SEGMENT, -0.9f, 0.75f, 0, -0.9f}}},                           /* triangle */
    {2, {{DISC, -0.55f, 0, 0.3f, 0}, {DISC, 0.55f, 0, 0.3f, 0}}},    /* two dots */
};

/* Plain comparisons: fminf/fmaxf are library calls on baseline x86-64. */
static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

static float length(float x, float y) { return sqrtf(x * x + y * y); }

static float prim_distance(const Prim *p, float x, float y) {
  switch (p->kind) {
  case SEGMENT: {
    float dx = p->c - p->a, dy = p->d - p->b;
    float t = ((x - p->a) * dx + (y - p->b) * dy) / (dx * dx + dy * dy);
    t = clampf(t, 0, 1);
    return length(x - p->a - t * dx, y - p->b - t * dy);
  }
  case RING:
    return fabsf(length(x - p->a, y - p->b) - p->c);
  case DISC: {
    float d = length(x - p->a, y - p->b) - p->c;
    return d > 0 ? d : 0;
  }
  }
  return 0;
}

static float uniform_in(Rng *r, float lo, float hi) { return lo + (hi - lo) * rng_uniform(r); }

/* Near-Gaussian noise of unit variance from one draw: the sum of four 16-bit
 * uniforms (Irwin-Hall), much cheaper than Box-Muller for every pixel. */
static float pixel_noise(Rng *r) {
  uint64_t v = rng_next(r);
  uint32_t sum = (uint32_t)(v & 0xffff) + (uint32_t)(v >> 16 & 0xffff) +
                 (uint32_t)(v >> 32 & 0xffff) + (uint32_t)(v >> 48);
  return ((float)sum * 0x1.0p-16f - 2.0f) * 1.7320508f; /* sqrt(3) */
}

/* Renders one jittered sample of `shape` into out[GLYPHS_SIDE^2], row-major. */
static void draw(const Shape *shape, Rng *r, float *out) {
  float angle = uniform_in(r, -ROTATE_RAD, ROTATE_RAD);
  float scale = UNIT_PX * uniform_in(r, SCALE_MIN, SCALE_MAX);
  float cx = 0.5f * (GLYPHS_SIDE - 1) + uniform_in(r, -SHIFT_PX, SHIFT_PX);
  float cy = 0.5f * (GLYPHS_SIDE - 1) + uniform_in(r, -SHIFT_PX, SHIFT_PX);
  float half_width = uniform_in(r, HALF_WIDTH_MIN, HALF_WIDTH_MAX);
  float contrast = uniform_in(r, CONTRAST_MIN, 1.0f);
  /* Pixel -> unit coordinates: undo translation, rotation and scale. The
   * rotation uses Taylor series (error < 1e-7 for |angle| <= 0.2) rather
   * than libm, so the pixels are bit-identical on every machine. */
  float a2 = angle * angle;
  float co = (1 - a2 / 2 * (1 - a2 / 12)) / scale;
  float si = angle * (1 - a2 / 6 * (1 - a2 / 20)) / scale;
  for (int row = 0; row < GLYPHS_SIDE; row++) {
    for (int col = 0; col < GLYPHS_SIDE; col++) {
      float dx = (float)col - cx, dy = (float)row - cy;
      float ux = co * dx + si * dy, uy = co * dy - si * dx;
      float d = INFINITY;
      for (int k = 0; k < shape->count; k++) {
        float dk = prim_distance(&shape->prim[k], ux, uy);
        d = dk < d ? dk : d;
      }
      float ink = clampf(half_width + 0.5f - d * scale, 0, 1);
      float v = -1 + 2 * contrast * ink + NOISE_SD * pixel_noise(r);
      out[row * GLYPHS_SIDE + col] = clampf(v, -1, 1);
    }
  }
}

int glyphs_generate(uint64_t seed, size_t n_train, size_t n_test, Dataset *out, char *err,
                    size_t errlen) {
  const size_t dim = GLYPHS_SIDE * GLYPHS_SIDE, n = n_train + n_test;
  if (split_alloc_f32(out, "glyphs", n_train, n_test, dim, GLYPHS_CLASSES, err, errlen)) return -1;
  out->train.width = out->train.height = out->test.width = out->test.height = GLYPHS_SIDE;
  out->train.channels = out->test.channels = 1;
  /* The splits are consecutive: the test samples follow the training ones. */
  float *x = (float *)out->train.x_f32;
  uint8_t *labels = (uint8_t *)out->train.labels;
  Rng r;
  rng_seed(&r, seed, RNG_STREAM_DATA);
  for (size_t i = 0; i < n; i++) {
    size_t label = (i < n_train ? i : i - n_train) % GLYPHS_CLASSES;
    labels[i] = (uint8_t)label;
    draw(&shapes[label], &r, x + i * dim);
  }
  return 0;
}
