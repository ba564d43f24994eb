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
 *         products summed in fp32; where AMX-BF16 is absent, the same
 *         tiles multiplied with AVX-512 BF16 (VDPBF16PS), and where that is
 *         absent too, the bf16 reference
 * and the portable references, plain C loops summing k = 0..K-1 in fp32, on
 * the float inputs or on their bf16 roundings, which the tests compare every
 * variant with.
 */
#ifndef FLIPSCOPE_MATMUL_H
#define FLIPSCOPE_MATMUL_H

#include <stddef.h>
#include <stdint.h>

/* The precision of the products' inputs (the sums are fp32 in both). */
typedef enum { PRECISION_FP32 = 0, PRECISION_BF16 = 1 } Precision;

typedef void (*MatmulFn)(size_t M, size_t N, size_t K, const float *a, size_t lda,
                         const float *b, size_t ldb, float *c, size_t ldc);

/* A B operand whose values may all be +-1: its floats (row-major, `cols` per
 * row) and, when every value is +-1, the same signs packed as bits
 * (bitpack.h; NULL otherwise). A variant that reads bits (the bf16 ones) packs its
 * tiles from them: 1/32 of the floats' bytes, where the product is bound by
 * the memory traffic of packing. The binary weights are such an operand,
 * and so are the sign activations a hidden layer's weight gradient reads. */
typedef struct {
  const float *values;
  const uint64_t *signs;
  size_t cols;
} MatmulOperand;

/* The products of matmul.h's shapes with B a MatmulOperand S, from row or
 * column `first` of S:
 *   nt  C (M x N) = A (M x K) . S[first .. first + N, 0 .. K]^T
 *   tn  C (M x N) = A^T . S[0 .. K, first .. first + N], A stored K x M
 *   nn  C (M x N) = A (M x K) . S[0 .. K, first .. first + N]
 * Called only when S has signs (matmul_nt and its kin pick). */
typedef void (*MatmulSignsFn)(size_t M, size_t N, size_t K, const float *a, size_t lda,
                              const MatmulOperand *s, size_t first, float *c, size_t ldc);

/* Called once rows [r0, r1) of C are written (rows counted from C's first). */
typedef void (*MatmulRowsDone)(void *ctx, size_t r0, size_t r1);

/* A product delivered block by block, so that a consumer reads each block
 * while it is in cache: `rows` rows of C at a time, block [r0, r1) written
 * at c + r0 ldc (or, with at_c, at c itself: a buffer of `rows` rows that
 * done empties), then done(ctx, r0, r1), in order. done runs on the
 * product's thread while the variant still holds its packed B in that
 * thread's buffer, so it must not itself run a real product. */
typedef struct {
  size_t rows;
  int at_c;
  MatmulRowsDone done;
  void *ctx;
} MatmulBlocks;

/* tn (a_transposed: A stored K x M) or nn (A stored M x K) in blocks:
 * C (M x N) = A . S[0 .. K, 0 .. N]. */
typedef void (*MatmulBlocksFn)(int a_transposed, size_t M, size_t N, size_t K, const float *a,
                               size_t lda, const MatmulOperand *s, float *c, size_t ldc,
                               const MatmulBlocks *blocks);

/* A B operand (K x N) read in pieces rather than stored whole, as a
 * convolution's im2col rows are pieces of its input: row k is N / MATMUL_RUN
 * runs of MATMUL_RUN columns (N a multiple of it, at most MATMUL_MAX_RUNS
 * runs), and row_runs(ctx, k, runs) sets runs[j] to the MATMUL_RUN
 * contiguous floats of columns MATMUL_RUN j .. MATMUL_RUN (j + 1) - 1, or to
 * NULL where they are all 0. A product asks for rows 0, 1, .. K-1 in order,
 * once each, so row_runs may step on from the row before. */
enum { MATMUL_RUN = 16, MATMUL_MAX_RUNS = 1024 };
typedef struct {
  void (*row_runs)(void *ctx, size_t k, const float **runs);
  void *ctx;
} MatmulGathered;

/* tn with B gathered: C (M x N) = A^T . B, A stored K x M. The same sums in
 * the same order as tn on B stored, so the same bits. */
typedef void (*MatmulGatheredFn)(size_t M, size_t N, size_t K, const float *a, size_t lda,
                                 const MatmulGathered *b, float *c, size_t ldc);

typedef struct {
  const char *name;
  MatmulFn nt, tn, nn;
  /* NULL where the variant needs B stored (OpenBLAS): the caller stores it */
  MatmulGatheredFn tn_gathered;
  /* NULL where the variant reads only floats */
  MatmulSignsFn nt_signs, tn_signs, nn_signs;
  /* NULL where one product per block is as good (matmul_blocks); the bf16
   * variants pack B once for all the blocks */
  MatmulBlocksFn blocks;
  /* 1 for the AMX variant: a stride-1 convolution's gradients then run as
   * conv_amx.h's implicit products (their own sum order, the same bf16
   * arithmetic) */
  int amx_convolution;
} MatmulKernels;

extern const MatmulKernels matmul_blas, matmul_ref_fp32, matmul_ref_bf16, matmul_amx_bf16,
    matmul_avx512_bf16;

/* The products with an operand B (MatmulSignsFn's shapes): from its signs
 * where the variant and the operand have them, else from its floats. Both
 * give the same result: +-1 is exact in bf16 and fp32 alike. */
static inline void matmul_nt(const MatmulKernels *mm, size_t M, size_t N, size_t K,
                             const float *a, size_t lda, const MatmulOperand *b, size_t first,
                             float *c, size_t ldc) {
  if (mm->nt_signs && b->signs) mm->nt_signs(M, N, K, a, lda, b, first, c, ldc);
  else mm->nt(M, N, K, a, lda, b->values + first * b->cols, b->cols, c, ldc);
}

static inline void matmul_tn(const MatmulKernels *mm, size_t M, size_t N, size_t K,
                             const float *a, size_t lda, const MatmulOperand *b, size_t first,
                             float *c, size_t ldc) {
  if (mm->tn_signs && b->signs) mm->tn_signs(M, N, K, a, lda, b, first, c, ldc);
  else mm->tn(M, N, K, a, lda, b->values + first, b->cols, c, ldc);
}

static inline void matmul_nn(const MatmulKernels *mm, size_t M, size_t N, size_t K,
                             const float *a, size_t lda, const MatmulOperand *b, size_t first,
                             float *c, size_t ldc) {
  if (mm->nn_signs && b->signs) mm->nn_signs(M, N, K, a, lda, b, first, c, ldc);
  else mm->nn(M, N, K, a, lda, b->values + first, b->cols, c, ldc);
}

/* MatmulBlocksFn as one matmul_tn or matmul_nn per block. */
static inline void matmul_each_block(const MatmulKernels *mm, int a_transposed, size_t M, size_t N,
                                     size_t K, const float *a, size_t lda, const MatmulOperand *b,
                                     float *c, size_t ldc, const MatmulBlocks *blocks) {
  for (size_t r0 = 0; r0 < M; r0 += blocks->rows) {
    size_t r1 = r0 + blocks->rows < M ? r0 + blocks->rows : M;
    float *at = blocks->at_c ? c : c + r0 * ldc;
    if (a_transposed) matmul_tn(mm, r1 - r0, N, K, a + r0, lda, b, 0, at, ldc);
    else matmul_nn(mm, r1 - r0, N, K, a + r0 * lda, lda, b, 0, at, ldc);
    blocks->done(blocks->ctx, r0, r1);
  }
}

/* MatmulBlocksFn by the variant's own where it has one. The bf16 variants
 * and the references sum each element the same way whatever the rows of a
 * call, so their blocks give the whole product's bits; OpenBLAS picks its
 * kernels by size, so its results can depend on the block (callers keep the
 * blocks they always had). */
static inline void matmul_blocks(const MatmulKernels *mm, int a_transposed, size_t M, size_t N,
                                 size_t K, const float *a, size_t lda, const MatmulOperand *b,
                                 float *c, size_t ldc, const MatmulBlocks *blocks) {
  if (mm->blocks) mm->blocks(a_transposed, M, N, K, a, lda, b, c, ldc, blocks);
  else matmul_each_block(mm, a_transposed, M, N, K, a, lda, b, c, ldc, blocks);
}

/* Parses "fp32" / "bf16"; -1 for anything else. */
int precision_parse(const char *name);
const char *precision_name(Precision p);
/* NULL when this CPU and kernel can run the AMX-BF16 kernel (CPUID says
 * AMX-TILE, AMX-BF16 and AVX-512 BF16, the OS enables the tile state in XCR0
 * and grants this process XTILEDATA), else what is missing. Asks once. */
const char *amx_bf16_missing(void);
/* NULL when this CPU can run the AVX-512 BF16 kernel (CPUID says AVX-512 F,
 * BW, VL and BF16, and the OS saves the AVX-512 state), else what is
 * missing. */
const char *avx512_bf16_missing(void);
/* NULL when one of the two bf16 kernels runs here, else what is missing:
 * --precision bf16 is refused without one. */
const char *bf16_products_missing(void);
/* bf16 where the AMX kernel can run, else fp32 (bf16 with AVX-512 BF16 alone
 * does about 2x fp32's multiply-accumulates on AMD Zen 4 and half of them on
 * Intel cores, not AMX's 4x or more: it is asked for, not given). */
Precision precision_default(void);

#endif
