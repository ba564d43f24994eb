/* kernels.c — maps a SIMD level to its kernel table, and a precision to its
 * products (kernels.h). */
#include "engine/kernels.h"

const KernelTable *kernels_for(SimdLevel level) {
  return level == SIMD_AVX512 ? &kernels_avx512 : level == SIMD_AVX2 ? &kernels_avx2 : &kernels_scalar;
}

const MatmulKernels *matmul_for(Precision precision) {
  if (precision != PRECISION_BF16) return &matmul_blas;
  if (!amx_bf16_missing()) return &matmul_amx_bf16;
  return avx512_bf16_missing() ? &matmul_ref_bf16 : &matmul_avx512_bf16;
}
