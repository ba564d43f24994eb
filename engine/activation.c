/* activation.c — sign forward, hard-tanh STE backward, run by the active SIMD
 * variant (the loops: layer_loops.h). */
#include "engine/activation.h"

#include "engine/kernels.h"

void sign_forward(const float *z, size_t B, size_t N, float *a, uint64_t *bits) {
  const KernelTable *k = kernels();
  k->sign_floats(z, B * N, a);
  k->pack_rows(z, B, N, bits);
}

void ste_backward(const float *da, const float *z, size_t count, float *dz) {
  kernels()->ste_backward(da, z, count, dz);
}
