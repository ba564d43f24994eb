/* matmul_blas.c — the fp32 products through OpenBLAS (matmul.h): the same
 * cblas_sgemm calls dense.c made before the products had variants, so fp32
 * runs give the same bits as they always did. */
#include <cblas.h>

#include "engine/matmul.h"

/* C (M x N) = A (M x K) . B^T, B stored N x K. */
static void blas_nt(size_t M, size_t N, size_t K, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1.0f, a, (int)lda,
              b, (int)ldb, 0.0f, c, (int)ldc);
}

/* C (M x N) = A^T . B, A stored K x M, B K x N. */
static void blas_tn(size_t M, size_t N, size_t K, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.0f, a, (int)lda,
              b, (int)ldb, 0.0f, c, (int)ldc);
}

/* C (M x N) = A (M x K) . B (K x N). */
static void blas_nn(size_t M, size_t N, size_t K, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.0f, a,
              (int)lda, b, (int)ldb, 0.0f, c, (int)ldc);
}

const MatmulKernels matmul_blas = {
    .name = "fp32 (OpenBLAS)", .nt = blas_nt, .tn = blas_tn, .nn = blas_nn};
