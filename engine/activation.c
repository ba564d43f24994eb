/* activation.c — sign forward and the STEs' backward: the sign and the
 * hard-tanh STE run by the active SIMD variant (the loops: layer_loops.h),
 * the others plain loops the compiler vectorises. Large STE calls (a CNN's
 * activations) are split over the thread pool; every value is computed
 * alone, so the split changes no bit. */
#include "engine/activation.h"

#include <math.h>
#include <string.h>

#include "engine/kernels.h"
#include "engine/parallel.h"

/* Below this many values a call runs on the calling thread alone. */
#define MIN_PARALLEL_VALUES ((size_t)1 << 17)

typedef struct {
  SteKind kind;
  const float *z, *da;
  float *dz;
} ActJob;

void sign_forward(const float *z, size_t B, size_t N, float *a, uint64_t *bits) {
  const KernelTable *k = kernels();
  k->sign_floats(z, B * N, a);
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

/* Values [i0, i1) of ste_backward. */
static void ste_values(void *ctx, size_t i0, size_t i1) {
  const ActJob *j = ctx;
  size_t n = i1 - i0;
  if (j->kind == STE_APPROXSIGN) approxsign_backward(j->da + i0, j->z + i0, n, j->dz + i0);
  else if (j->kind == STE_IDENTITY) memmove(j->dz + i0, j->da + i0, n * sizeof *j->dz);
  else kernels()->ste_backward(j->da + i0, j->z + i0, n, j->dz + i0);
}

void ste_backward(SteKind kind, const float *da, const float *z, size_t count, float *dz) {
  ActJob j = {.kind = kind, .z = z, .da = da, .dz = dz};
  if (count < MIN_PARALLEL_VALUES) ste_values(&j, 0, count);
  else par_for(count, 64, ste_values, &j);
}
