/* latent.h — how a latent weight w drives its binary weight b, shared by the
 * latent optimizers (SGD, Adam, AdamW); and the mirror rule of the filter
 * optimizers (Bop, IIR), whose output y flips b where it agrees with b. */
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

/* Flips b where b * y > tau (so b = -sign(y) once |y| > tau); returns 1 on a flip. */
static inline size_t filter_follow_sign(float y, float tau, float *b) {
  int flip = *b * y > tau;
  if (flip) *b = -*b; /* a masked store: unflipped lines stay clean */
  return (size_t)flip;
}

#endif
