/* activation.c — sign forward, hard-tanh STE backward. */
#include "engine/activation.h"

#include <math.h>

#include "engine/bitpack.h"
#include "engine/kernel_clones.h"

KERNEL_CLONES
static void sign_floats(const float *z, size_t count, float *a) {
  for (size_t j = 0; j < count; j++) a[j] = z[j] >= 0.0f ? 1.0f : -1.0f;
}

void sign_forward(const float *z, size_t B, size_t N, float *a, uint64_t *bits) {
  sign_floats(z, B * N, a);
  bits_pack_rows(z, B, N, bits);
}

KERNEL_CLONES
void ste_backward(const float *da, const float *z, size_t count, float *dz) {
  for (size_t j = 0; j < count; j++) dz[j] = fabsf(z[j]) <= 1.0f ? da[j] : 0.0f;
}
