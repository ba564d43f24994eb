/* activation.h — the sign activation and its hard-tanh straight-through
 * estimator. Shapes: z, a, da, dz are B x N; bits is B x bits_words(N). */
#ifndef FLIPSCOPE_ACTIVATION_H
#define FLIPSCOPE_ACTIVATION_H

#include <stddef.h>
#include <stdint.h>

/* a = sign(z) as +-1 floats (sign(0) = +1), and the same signs bit-packed. */
void sign_forward(const float *z, size_t B, size_t N, float *a, uint64_t *bits);
/* dz = da where |z| <= 1, else 0 (the gradient of hard-tanh). dz may alias da. */
void ste_backward(const float *da, const float *z, size_t count, float *dz);

#endif
