/* activation.h — the sign activation and its straight-through estimators
 * (STE: the gradient sign's backward pass uses in place of its zero one).
 * Shapes: z, a, da, dz are B x N; bits is B x bits_words(N). */
#ifndef FLIPSCOPE_ACTIVATION_H
#define FLIPSCOPE_ACTIVATION_H

#include <stddef.h>
#include <stdint.h>

/* a = sign(z) as +-1 floats (sign(0) = +1; a may be NULL: bits alone), and
 * the same signs bit-packed, on the calling thread: meant for a few rows in
 * cache, sign_group_rows(N) at a time (16 KB of z, or one row), the caller
 * splitting a batch. */
void sign_forward(const float *z, size_t B, size_t N, float *a, uint64_t *bits);
enum { SIGN_GROUP_FLOATS = 4096 };
static inline size_t sign_group_rows(size_t N) {
  return N < SIGN_GROUP_FLOATS ? SIGN_GROUP_FLOATS / N : 1;
}
/* The STEs of the literature, as the gradient d sign(z) / dz is replaced:
 *   hardtanh    1 where |z| <= 1, else 0 (BinaryNet; the default);
 *   approxsign  2 + 2z on [-1, 0), 2 - 2z on [0, 1), else 0 (Bi-Real Net's
 *               piecewise polynomial, the derivative of its ApproxSign);
 *   identity    1 everywhere. */
typedef enum { STE_HARDTANH, STE_APPROXSIGN, STE_IDENTITY, STE_KIND_COUNT } SteKind;
extern const char *const ste_names[STE_KIND_COUNT]; /* "hardtanh", ... */

/* dz = da times the STE's gradient at z, on the calling thread; dz may
 * alias da or z. */
void ste_backward(SteKind kind, const float *da, const float *z, size_t count, float *dz);

#endif
