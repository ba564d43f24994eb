/* latent.h — how a latent weight w drives its binary weight b, shared by the
 * latent optimizers (SGD, Adam, AdamW). */
#ifndef FLIPSCOPE_LATENT_H
#define FLIPSCOPE_LATENT_H

#include <stddef.h>

/* Clips w to [-clip, clip]; clip = 0 means no clipping. */
static inline float latent_clip(float w, float clip) {
  if (clip > 0.0f) w = w > clip ? clip : (w < -clip ? -clip : w);
  return w;
}

/* Flips b where w * b < 0 (so b = sign(w) once w != 0); returns 1 on a flip. */
static inline size_t latent_follow_sign(float w, float *b) {
  int flip = w * *b < 0.0f;
  if (flip) *b = -*b; /* a masked store once vectorised: unflipped lines stay clean */
  return (size_t)flip;
}

#endif
