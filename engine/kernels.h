/* kernels.h — internal: the one table of kernel variants behind every hot loop.
 *
 * Each instruction-set variant (simd.h) has one KernelTable: the binary GEMM
 * of bitpack_kernels.h and every element-wise loop (sign packing, sign and STE,
 * batch norm, the optimizer steps). The element-wise loops are written once
 * (layer_loops.h, optim_steps.h) and compiled once per variant by
 * kernels_scalar.c, kernels_avx2.c and kernels_avx512.c. kernels() returns the
 * table of simd_active(), so FLIPSCOPE_SIMD and simd_force choose the variant
 * of every kernel at one point. With -ffp-contract=off every variant rounds
 * the same way: their results are bit-identical.
 *
 * The real-valued products of the dense layers (matmul.h) have their variants
 * chosen here too, by precision rather than by SIMD level: matmul_for.
 */
#ifndef FLIPSCOPE_KERNELS_H
#define FLIPSCOPE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/bitpack_kernels.h"
#include "engine/matmul.h"
#include "engine/optim_types.h"
#include "engine/simd.h"

typedef struct {
  BgemmKernel bgemm;
  /* bitpack.h: bits_pack_rows */
  void (*pack_rows)(const float *x, size_t rows, size_t k, uint64_t *out);
  /* activation.h: a = sign(z) as +-1 floats; ste_backward */
  void (*sign_floats)(const float *z, size_t count, float *a);
  void (*ste_backward)(const float *da, const float *z, size_t count, float *dz);
  /* dst += src, element-wise (the two do not overlap) */
  void (*add_into)(float *dst, const float *src, size_t count);
  /* batchnorm.h: the loops over a block of rows (layer_loops.h) */
  void (*bn_sums)(const float *x, size_t rows, size_t N, float *sum);
  void (*bn_squares)(const float *x, size_t rows, size_t N, const float *mean, float *sq);
  void (*bn_normalize)(const float *x, size_t rows, size_t N, const float *mean,
                       const float *rstd, const float *scale, const float *shift, float *y);
  void (*bn_forward_eval)(const float *x, size_t B, size_t N, const float *scale,
                          const float *shift, const float *run_mean, const float *run_var,
                          float *y);
  void (*bn_grad_sums)(const float *dy, const float *x, const float *mean, const float *rstd,
                       size_t rows, size_t N, float *dshift, float *dscale);
  void (*bn_input_grad)(const float *dy, const float *x, const float *mean, size_t rows,
                        size_t N, const float *rstd, const float *scale, const float *dshift,
                        const float *dscale, size_t B, float *dx);
  /* pool.h: one window row of maxpool2_forward (layer_loops.h) */
  void (*max_window)(const float *v0, const float *v1, const float *v2, const float *v3,
                     size_t C, float *y, uint8_t *w);
  /* pool.h: one window row of maxpool2_backward (layer_loops.h) */
  void (*max_window_backward)(const float *dy, const uint8_t *w, size_t C, float *d0, float *d1,
                              float *d2, float *d3);
  /* optim.h: the step of each optimizer kind */
  opt_kernel opt_step[OPT_KIND_COUNT];
} KernelTable;

extern const KernelTable kernels_scalar, kernels_avx2, kernels_avx512;

/* The table of `level`; the CPU must support it (simd_supported) to run it. */
const KernelTable *kernels_for(SimdLevel level);
/* The products of `precision`: fp32 through OpenBLAS whatever the SIMD level
 * (so every level gives the same bits); bf16 on AMX where the CPU can run it
 * (amx_bf16_missing), else with AVX-512 BF16 where it has that
 * (avx512_bf16_missing), else the portable bf16 reference. */
const MatmulKernels *matmul_for(Precision precision);
/* The table of the active level. */
static inline const KernelTable *kernels(void) { return kernels_for(simd_active()); }

#endif
