/* bf16.h — bfloat16: the top 16 bits of an IEEE float (sign, 8 exponent bits,
 * 7 mantissa bits, so 8 significant bits).
 *
 * bf16_round rounds a float to the nearest bf16, ties to even (the rounding of
 * VCVTNEPS2BF16), so its relative error is at most 2^-8; NaN stays a quiet NaN.
 * Integers of magnitude up to 256 and +-1 are exact.
 */
#ifndef FLIPSCOPE_BF16_H
#define FLIPSCOPE_BF16_H

#include <stdint.h>
#include <string.h>

static inline uint16_t bf16_round(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* NaN */
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

static inline float bf16_to_float(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

#endif
