/* kernels.c — maps a SIMD level to its kernel table (kernels.h). */
#include "engine/kernels.h"

const KernelTable *kernels_for(SimdLevel level) {
  return level == SIMD_AVX512 ? &kernels_avx512 : level == SIMD_AVX2 ? &kernels_avx2 : &kernels_scalar;
}
