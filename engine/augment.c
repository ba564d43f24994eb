/* augment.c — random crops of zero-padded images and horizontal flips
 * (augment.h). */
#include "engine/augment.h"

#include <string.h>

#include "engine/rng.h"

static const char *const kind_names[] = {"none", "crop", "flip", "crop,flip"};

int augment_parse(const char *text) {
  if (text && !strcmp(text, "flip,crop")) return AUGMENT_ALL;
  for (int k = 0; k <= AUGMENT_ALL; k++)
    if (text && !strcmp(text, kind_names[k])) return k;
  return -1;
}

const char *augment_name(unsigned kinds) {
  return kinds <= AUGMENT_ALL ? kind_names[kinds] : "unknown";
}

void augment_draw(uint64_t seed, uint64_t step, unsigned kinds, size_t count, AugmentDraw *out) {
  Rng r;
  rng_seed_at(&r, seed, RNG_STREAM_AUGMENT, step);
  for (size_t b = 0; b < count; b++) {
    AugmentDraw d = {AUGMENT_PAD, AUGMENT_PAD, 0};
    if (kinds & AUGMENT_CROP) {
      d.dy = (uint8_t)rng_below(&r, 2 * AUGMENT_PAD + 1);
      d.dx = (uint8_t)rng_below(&r, 2 * AUGMENT_PAD + 1);
    }
    if (kinds & AUGMENT_FLIP) d.flip = (uint8_t)(rng_next(&r) >> 63);
    out[b] = d;
  }
}

/* One image: img (H x W x C) <- its transform under d, read from a copy in
 * scratch. Rows and pixels whose source is in the padding become 0. */
static void transform_image(float *img, size_t H, size_t W, size_t C, AugmentDraw d,
                            float *scratch) {
  const size_t row = W * C;
  memcpy(scratch, img, H * row * sizeof *img);
  for (size_t y = 0; y < H; y++) {
    float *dst = img + y * row;
    const size_t sy = y + d.dy - AUGMENT_PAD; /* wraps past H when above the image */
    if (sy >= H) {
      memset(dst, 0, row * sizeof *dst);
      continue;
    }
    for (size_t x = 0; x < W; x++) {
      const size_t sx = (d.flip ? W - 1 - x : x) + d.dx - AUGMENT_PAD; /* likewise */
      if (sx >= W) memset(dst + x * C, 0, C * sizeof *dst);
      else memcpy(dst + x * C, scratch + (sy * W + sx) * C, C * sizeof *dst);
    }
  }
}

void augment_apply(float *x, size_t count, size_t height, size_t width, size_t channels,
                   const AugmentDraw *draws, float *scratch) {
  const size_t image = height * width * channels;
  for (size_t b = 0; b < count; b++) {
    const AugmentDraw d = draws[b];
    if (d.dy == AUGMENT_PAD && d.dx == AUGMENT_PAD && !d.flip) continue; /* the identity */
    transform_image(x + b * image, height, width, channels, d, scratch);
  }
}
