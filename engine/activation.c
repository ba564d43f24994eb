/* activation.c — sign forward and the STEs' backward: the sign and the
 * hard-tanh STE run by the active SIMD variant (the loops: layer_loops.h),
 * the others plain loops the compiler vectorises. Both run on the calling
 * thread: their callers hand them blocks of rows (the model's layer
 * epilogue forward, batch norm's blocks backward). */
#include "engine/activation.h"

#include <math.h>
#include <string.h>

#include "engine/kernels.h"

void sign_forward(const float *z, size_t B, size_t N, float *a, uint64_t *bits) {
  const KernelTable *k = kernels();
  if (a) k->sign_floats(z, B * N, a);
  k->pack_rows(z, B, N, bits);
}

const char *const ste_names[STE_KIND_COUNT] = {"hardtanh", "approxsign", "identity"};

/* dz = da (2 - 2|z|) where |z| < 1, else 0: Bi-Real's 2 + 2z below 0 and
 * 2 - 2z above, one expression. */
static void approxsign_backward(const float *da, const float *z, size_t count, float *dz) {
  for (size_t j = 0; j < count; j++) {
    float t = 1.0f - fabsf(z[j]);
    dz[j] = t > 0.0f ? da[j] * (2.0f * t) : 0.0f;
  }
}

void ste_backward(SteKind kind, const float *da, const float *z, size_t count, float *dz) {
  if (kind == STE_APPROXSIGN) approxsign_backward(da, z, count, dz);
  else if (kind == STE_IDENTITY) memmove(dz, da, count * sizeof *dz);
  else kernels()->ste_backward(da, z, count, dz);
}
