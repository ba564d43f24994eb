/* matmul_ref.c — the portable reference products (matmul.h): plain loops
 * that sum k = 0..K-1 in order in fp32, on the float inputs or on their bf16
 * roundings (bf16.h). The tests hold every other variant against these. */
#include "engine/bf16.h"
#include "engine/matmul_kernels.h"

/* x, or x rounded to bf16 (then every product of two is exact in fp32). */
static inline float operand(float x, int bf16) { return bf16 ? bf16_to_float(bf16_round(x)) : x; }

void matmul_ref_product(size_t M, size_t N, size_t K, MatmulView A, MatmulView B, float *c,
                        size_t ldc, int bf16) {
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) {
      float sum = 0.0f;
      for (size_t k = 0; k < K; k++)
        sum += operand(matmul_at(A, m, k), bf16) * operand(matmul_at(B, k, n), bf16);
      c[m * ldc + n] = sum;
    }
}

/* C = A^T . B gathered, A stored K x M: row k of B is read once, and each
 * C element still sums its k = 0..K-1 terms in order from 0. */
static void ref_tn_gathered(size_t M, size_t N, size_t K, const float *a, size_t lda,
                            const MatmulGathered *b, float *c, size_t ldc, int bf16) {
  const float *runs[MATMUL_MAX_RUNS];
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) c[m * ldc + n] = 0.0f;
  for (size_t k = 0; k < K; k++) {
    b->row_runs(b->ctx, k, runs);
    for (size_t m = 0; m < M; m++) {
      float x = operand(a[k * lda + m], bf16);
      for (size_t n = 0; n < N; n++) {
        const float *run = runs[n / MATMUL_RUN];
        c[m * ldc + n] += x * operand(run ? run[n % MATMUL_RUN] : 0.0f, bf16);
      }
    }
  }
}

static void fp32_tn_gathered(size_t M, size_t N, size_t K, const float *a, size_t lda,
                             const MatmulGathered *b, float *c, size_t ldc) {
  ref_tn_gathered(M, N, K, a, lda, b, c, ldc, 0);
}

static void bf16_tn_gathered(size_t M, size_t N, size_t K, const float *a, size_t lda,
                             const MatmulGathered *b, float *c, size_t ldc) {
  ref_tn_gathered(M, N, K, a, lda, b, c, ldc, 1);
}

static void ref_fp32(size_t M, size_t N, size_t K, MatmulView A, MatmulView B, float *c,
                     size_t ldc) {
  matmul_ref_product(M, N, K, A, B, c, ldc, 0);
}

static void ref_bf16(size_t M, size_t N, size_t K, MatmulView A, MatmulView B, float *c,
                     size_t ldc) {
  matmul_ref_product(M, N, K, A, B, c, ldc, 1);
}

MATMUL_SHAPES(fp32, ref_fp32)
MATMUL_SHAPES(bf16, ref_bf16)

const MatmulKernels matmul_ref_fp32 = {
    .name = "fp32 reference", .nt = fp32_nt, .tn = fp32_tn, .nn = fp32_nn,
    .tn_gathered = fp32_tn_gathered};
const MatmulKernels matmul_ref_bf16 = {
    .name = "bf16 reference", .nt = bf16_nt, .tn = bf16_tn, .nn = bf16_nn,
    .tn_gathered = bf16_tn_gathered};
