/* matmul.h — the real-valued products of the dense layers (dense.c), behind
 * one interface with one variant per precision.
 *
 * Every matrix is row-major with a leading dimension (elements from one row
 * to the next), and every product overwrites C. dense.c needs three shapes:
 *   nt  C (M x N) = A (M x K) . B^T, B stored N x K   (forward of layer 1)
 *   tn  C (M x N) = A^T . B, A stored K x M, B K x N   (weight gradient)
 *   nn  C (M x N) = A (M x K) . B (K x N)              (input gradient)
 *
 * Variants (matmul_for in kernels.h picks one per precision):
 *   fp32  OpenBLAS cblas_sgemm, single-threaded per call (the results of
 *         every run before the bf16 path existed)
 *   bf16  AMX tiles: A and B rounded to bf16 to nearest even as bf16.h
 *         does (but denormals flush to zero, as TDPBF16PS treats them),
 *         products summed in fp32; where AMX-BF16 is absent, the bf16
 *         reference
 * and the portable references, plain C loops summing k = 0..K-1 in fp32, on
 * the float inputs or on their bf16 roundings, which the tests compare every
 * variant with.
 */
#ifndef FLIPSCOPE_MATMUL_H
#define FLIPSCOPE_MATMUL_H

#include <stddef.h>

/* The precision of the products' inputs (the sums are fp32 in both). */
typedef enum { PRECISION_FP32 = 0, PRECISION_BF16 = 1 } Precision;

typedef void (*MatmulFn)(size_t M, size_t N, size_t K, const float *a, size_t lda,
                         const float *b, size_t ldb, float *c, size_t ldc);

typedef struct {
  const char *name;
  MatmulFn nt, tn, nn;
} MatmulKernels;

extern const MatmulKernels matmul_blas, matmul_ref_fp32, matmul_ref_bf16, matmul_amx_bf16;

/* Parses "fp32" / "bf16"; -1 for anything else. */
int precision_parse(const char *name);
const char *precision_name(Precision p);
/* NULL when this CPU and kernel can run the AMX-BF16 kernel (CPUID says
 * AMX-TILE, AMX-BF16 and AVX-512 BF16, the OS enables the tile state in XCR0
 * and grants this process XTILEDATA), else what is missing. Asks once. */
const char *amx_bf16_missing(void);
/* bf16 where the AMX kernel can run, else fp32. */
Precision precision_default(void);

#endif
