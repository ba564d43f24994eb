/* test_matmul.c — every variant of the real-valued products (matmul.h)
 * against the portable references, on the three shapes dense.c uses, odd
 * sizes included (1 row, 1 column, sizes off the 16 x 16 x 32 tiles) and
 * leading dimensions wider than the rows.
 *
 * Tolerances (u = 2^-24, the fp32 unit roundoff; S = sum over k of |a b|):
 *   two fp32 sums of the same K products in different orders differ by at
 *   most 2 K u S, so fp32 OpenBLAS vs the fp32 reference, and AMX vs the bf16
 *   reference (the same bf16-rounded products, exact in fp32), stay within it;
 *   rounding both inputs to bf16 (each within 2^-8 of its value) moves each
 *   product by at most (2^-7 + 2^-16) |a b|, so the bf16 variants stay within
 *   that S plus 2 K u S of the fp32 reference.
 */
#include <cblas.h>
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bf16.h"
#include "engine/bitpack.h"
#include "engine/kernels.h"
#include "engine/matmul.h"
#include "engine/rng.h"

typedef enum { SHAPE_NT, SHAPE_TN, SHAPE_NN } Shape;
static const char *const shape_names[] = {"nt", "tn", "nn"};

/* One product: C (M x N) from A and B stored as the shape says, with
 * leading dimensions PAD wider than the rows. */
enum { PAD = 3 };
typedef struct {
  Shape shape;
  size_t M, N, K, lda, ldb, ldc;
  float *a, *b;
} Problem;

static const size_t dims[][3] = {
    {1, 1, 1},     {1, 17, 33},   {17, 1, 31},   {3, 5, 7},     {16, 16, 32},   {15, 33, 31},
    {17, 31, 65},  {33, 47, 100}, {31, 16, 2},   {2, 64, 129},  {100, 48, 784}, {128, 40, 100},
    {100, 10, 1024}, {10, 70, 100}};
enum { N_DIMS = sizeof dims / sizeof *dims };

/* A(m, k) and B(k, n) as stored for the shape. */
static float *a_at(const Problem *p, size_t m, size_t k) {
  return p->shape == SHAPE_TN ? &p->a[k * p->lda + m] : &p->a[m * p->lda + k];
}
static float *b_at(const Problem *p, size_t k, size_t n) {
  return p->shape == SHAPE_NT ? &p->b[n * p->ldb + k] : &p->b[k * p->ldb + n];
}

typedef float (*Draw)(Rng *r);
static float draw_normal(Rng *r) { return (float)rng_normal(r); }
static float draw_sign(Rng *r) { return rng_below(r, 2) ? 1.0f : -1.0f; }
/* An odd integer in [-255, 255]: 2 b - 255 for a byte b (exact in bf16). */
static float draw_byte_code(Rng *r) { return (float)(2 * (int)rng_below(r, 256) - 255); }

static Problem problem_new(Shape shape, size_t M, size_t N, size_t K, Rng *r, Draw da, Draw db) {
  Problem p = {.shape = shape, .M = M, .N = N, .K = K, .ldc = N + PAD};
  size_t a_rows = shape == SHAPE_TN ? K : M, a_cols = shape == SHAPE_TN ? M : K;
  size_t b_rows = shape == SHAPE_NT ? N : K, b_cols = shape == SHAPE_NT ? K : N;
  p.lda = a_cols + PAD;
  p.ldb = b_cols + PAD;
  p.a = malloc(a_rows * p.lda * sizeof(float));
  p.b = malloc(b_rows * p.ldb * sizeof(float));
  for (size_t i = 0; i < a_rows * p.lda; i++) p.a[i] = NAN; /* the padding is never read */
  for (size_t i = 0; i < b_rows * p.ldb; i++) p.b[i] = NAN;
  for (size_t m = 0; m < M; m++)
    for (size_t k = 0; k < K; k++) *a_at(&p, m, k) = da(r);
  for (size_t k = 0; k < K; k++)
    for (size_t n = 0; n < N; n++) *b_at(&p, k, n) = db(r);
  return p;
}

static void problem_free(Problem *p) {
  free(p->a);
  free(p->b);
}

/* A buffer for C whose every element starts as the sentinel -7. */
static float *sentinel_c(const Problem *p) {
  float *c = malloc(p->M * p->ldc * sizeof(float));
  for (size_t i = 0; i < p->M * p->ldc; i++) c[i] = -7.0f;
  return c;
}

/* C of the problem under kernels mm. */
static float *product(const MatmulKernels *mm, const Problem *p) {
  float *c = sentinel_c(p);
  MatmulFn fn = p->shape == SHAPE_NT ? mm->nt : p->shape == SHAPE_TN ? mm->tn : mm->nn;
  fn(p->M, p->N, p->K, p->a, p->lda, p->b, p->ldb, c, p->ldc);
  return c;
}

/* Asserts the padding of each row of C still holds the sentinel; returns c. */
static float *padding_kept(const MatmulKernels *mm, const Problem *p, float *c) {
  for (size_t m = 0; m < p->M; m++)
    for (size_t n = p->N; n < p->ldc; n++)
      cr_assert_eq(c[m * p->ldc + n], -7.0f, "%s %s %zux%zux%zu wrote past row %zu of C", mm->name,
                   shape_names[p->shape], p->M, p->N, p->K, m);
  return c;
}

static float *run(const MatmulKernels *mm, const Problem *p) {
  return padding_kept(mm, p, product(mm, p));
}

/* S = sum over k of |A(m, k) B(k, n)|, of the bf16 roundings if bf16. */
static double abs_sum(const Problem *p, size_t m, size_t n, int bf16) {
  double s = 0;
  for (size_t k = 0; k < p->K; k++) {
    float a = *a_at(p, m, k), b = *b_at(p, k, n);
    if (bf16) {
      a = bf16_to_float(bf16_round(a));
      b = bf16_to_float(bf16_round(b));
    }
    s += fabs((double)a * b);
  }
  return s;
}

/* Asserts |x - y| <= (rel + 2 K u) S elementwise; returns how many differ. */
static size_t check_close(const char *what, const Problem *p, const float *x, const float *y,
                          double rel, int bf16_sums) {
  size_t differ = 0;
  for (size_t m = 0; m < p->M; m++)
    for (size_t n = 0; n < p->N; n++) {
      float xv = x[m * p->ldc + n], yv = y[m * p->ldc + n];
      double tol = (rel + 2.0 * (double)p->K * 0x1p-24) * abs_sum(p, m, n, bf16_sums);
      cr_assert(fabs((double)xv - yv) <= tol,
                "%s %s %zux%zux%zu at (%zu, %zu): %.9g vs %.9g (tol %g)", what,
                shape_names[p->shape], p->M, p->N, p->K, m, n, xv, yv, tol);
      differ += xv != yv;
    }
  return differ;
}

/* Runs check(p) on every shape and size, on normal random inputs. */
static void each_problem(void (*check)(const Problem *p)) {
  Rng r;
  rng_seed(&r, 12, 0);
  for (int s = SHAPE_NT; s <= SHAPE_NN; s++)
    for (size_t d = 0; d < N_DIMS; d++) {
      Problem p = problem_new((Shape)s, dims[d][0], dims[d][1], dims[d][2], &r, draw_normal,
                              draw_normal);
      check(&p);
      problem_free(&p);
    }
}

/* The two variants that multiply packed bf16 tiles (AMX, AVX-512 BF16):
 * each test of them runs once per variant, skipping where it cannot run. */
typedef enum { ON_AMX, ON_AVX512_BF16 } TiledVariant;

static const MatmulKernels *tiled;

static void use_tiled(TiledVariant v) {
  const char *missing = v == ON_AMX ? amx_bf16_missing() : avx512_bf16_missing();
  const char *name = v == ON_AMX ? "AMX" : "AVX-512 BF16";
  if (missing)
    cr_skip_test("this CPU or kernel lacks %s, so the %s variant is not tested", missing, name);
  tiled = v == ON_AMX ? &matmul_amx_bf16 : &matmul_avx512_bf16;
}

/* Every variant that runs here, the references' bf16 one included. */
static size_t variants_here(const MatmulKernels *out[4]) {
  size_t n = 0;
  out[n++] = &matmul_blas;
  out[n++] = &matmul_ref_bf16;
  if (!amx_bf16_missing()) out[n++] = &matmul_amx_bf16;
  if (!avx512_bf16_missing()) out[n++] = &matmul_avx512_bf16;
  return n;
}

/* The fp32 variant is cblas_sgemm itself: the same bits as a direct call. */
static void check_blas_is_sgemm(const Problem *p) {
  float *c = run(&matmul_blas, p), *d = malloc(p->M * p->ldc * sizeof(float));
  for (size_t i = 0; i < p->M * p->ldc; i++) d[i] = -7.0f;
  cblas_sgemm(CblasRowMajor, p->shape == SHAPE_TN ? CblasTrans : CblasNoTrans,
              p->shape == SHAPE_NT ? CblasTrans : CblasNoTrans, (int)p->M, (int)p->N, (int)p->K,
              1.0f, p->a, (int)p->lda, p->b, (int)p->ldb, 0.0f, d, (int)p->ldc);
  cr_assert_eq(memcmp(c, d, p->M * p->ldc * sizeof(float)), 0, "%s %zux%zux%zu",
               shape_names[p->shape], p->M, p->N, p->K);
  free(c);
  free(d);
}

Test(matmul, fp32_is_a_direct_cblas_sgemm_call) { each_problem(check_blas_is_sgemm); }

static void check_blas_vs_reference(const Problem *p) {
  float *c = run(&matmul_blas, p), *ref = run(&matmul_ref_fp32, p);
  check_close("OpenBLAS vs fp32 reference", p, c, ref, 0.0, 0);
  free(c);
  free(ref);
}

Test(matmul, fp32_is_within_rounding_of_the_reference) { each_problem(check_blas_vs_reference); }

static size_t bf16_differs;

/* The bf16 reference is the fp32 one but for the input rounding: close to
 * it, and not equal (it does round). */
static void check_bf16_reference(const Problem *p) {
  float *c = run(&matmul_ref_bf16, p), *ref = run(&matmul_ref_fp32, p);
  bf16_differs +=
      check_close("bf16 reference vs fp32 reference", p, c, ref, 0x1p-7 + 0x1p-16, 0);
  free(c);
  free(ref);
}

Test(matmul, bf16_reference_rounds_only_the_inputs) {
  bf16_differs = 0;
  each_problem(check_bf16_reference);
  cr_assert_gt(bf16_differs, 1000, "the bf16 reference hardly differs from fp32: does it round?");
}

static void check_tiled(const Problem *p) {
  float *c = run(tiled, p), *ref = run(&matmul_ref_bf16, p);
  float *ref32 = run(&matmul_ref_fp32, p);
  check_close("tiles vs bf16 reference", p, c, ref, 0.0, 1);
  check_close("tiles vs fp32 reference", p, c, ref32, 0x1p-7 + 0x1p-16, 0);
  free(c);
  free(ref);
  free(ref32);
}

Test(matmul, amx_is_within_rounding_of_the_bf16_reference) {
  use_tiled(ON_AMX);
  each_problem(check_tiled);
}

Test(matmul, avx512_bf16_is_within_rounding_of_the_bf16_reference) {
  use_tiled(ON_AVX512_BF16);
  each_problem(check_tiled);
}

/* +-1 weights times byte codes (odd integers up to 255) are exact in bf16,
 * and their sums (below 2^24) exact in fp32: every variant gives the same
 * integers, whatever its order of summation. */
Test(matmul, pm1_times_byte_codes_is_exact_in_every_variant) {
  const MatmulKernels *variants[4];
  size_t count = variants_here(variants);
  Rng r;
  rng_seed(&r, 13, 0);
  for (int s = SHAPE_NT; s <= SHAPE_NN; s++)
    for (size_t d = 0; d < N_DIMS; d++) {
      Problem p = problem_new((Shape)s, dims[d][0], dims[d][1], dims[d][2], &r, draw_byte_code,
                              draw_sign);
      float *ref = run(&matmul_ref_fp32, &p);
      for (size_t v = 0; v < count; v++) {
        float *c = run(variants[v], &p);
        for (size_t m = 0; m < p.M; m++)
          cr_assert_eq(memcmp(c + m * p.ldc, ref + m * p.ldc, p.N * sizeof(float)), 0,
                       "%s %s %zux%zux%zu", variants[v]->name, shape_names[s], p.M, p.N, p.K);
        free(c);
      }
      free(ref);
      problem_free(&p);
    }
}

/* Round to nearest, ties to even; NaN stays NaN; +-1 and small integers exact. */
Test(matmul, bf16_round_is_to_nearest_even) {
  cr_assert_eq(bf16_round(1.0f), 0x3f80);
  cr_assert_eq(bf16_round(-1.0f), 0xbf80);
  cr_assert_eq(bf16_round(255.0f), 0x437f);
  cr_assert_eq(bf16_round(1.0f + 0x1p-8f), 0x3f80, "a tie rounds to the even 1");
  cr_assert_eq(bf16_round(1.0f + 3 * 0x1p-8f), 0x3f82, "a tie rounds to the even 1 + 2^-6");
  cr_assert_eq(bf16_round(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81, "above the tie rounds up");
  cr_assert(isnan(bf16_to_float(bf16_round(NAN))));
  cr_assert_eq(bf16_to_float(bf16_round(INFINITY)), INFINITY);
  cr_assert_eq(bf16_round(0x1.fffffep127f), 0x7f80, "the largest float rounds to infinity");
}

/* Each thread packs into its own buffer: two threads at once give what one gives. */
static void *tiled_in_thread(void *arg) {
  return product(tiled, arg);
}

static void check_two_threads(void) {
  Rng r;
  rng_seed(&r, 14, 0);
  Problem p = problem_new(SHAPE_NN, 100, 96, 1024, &r, draw_normal, draw_normal);
  float *alone = run(tiled, &p);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) cr_assert_eq(pthread_create(&t[i], NULL, tiled_in_thread, &p), 0);
  for (int i = 0; i < 2; i++) {
    void *c;
    pthread_join(t[i], &c);
    cr_assert_eq(memcmp(c, alone, p.M * p.ldc * sizeof(float)), 0, "thread %d", i);
    free(c);
  }
  free(alone);
  problem_free(&p);
}

Test(matmul, amx_on_two_threads_at_once_matches_one) {
  use_tiled(ON_AMX);
  check_two_threads();
}

Test(matmul, avx512_bf16_on_two_threads_at_once_matches_one) {
  use_tiled(ON_AVX512_BF16);
  check_two_threads();
}

/* A tn problem's B served in runs of MATMUL_RUN columns, every third run of
 * a row NULL (and 0 in the stored B, so the two operands are equal); rows
 * must be asked for in order, once each (MatmulGathered). */
typedef struct {
  const Problem *p;
  size_t next;
} RowsServed;

static void problem_runs(void *ctx, size_t k, const float **runs) {
  RowsServed *served = ctx;
  const Problem *p = served->p;
  cr_assert_eq(k, served->next, "row %zu asked for, %zu next in order", k, served->next);
  served->next++;
  for (size_t j = 0; j < p->N / MATMUL_RUN; j++)
    runs[j] = (k + j) % 3 == 0 ? NULL : p->b + k * p->ldb + j * MATMUL_RUN;
}

static void zero_null_runs(Problem *p) {
  for (size_t k = 0; k < p->K; k++)
    for (size_t n = 0; n < p->N; n++)
      if ((k + n / MATMUL_RUN) % 3 == 0) p->b[k * p->ldb + n] = 0.0f;
}

/* Every variant that gathers gives the bits of its own tn on B stored, on
 * odd M and K and a few runs per row. */
static void check_gathered(const MatmulKernels *mm) {
  static const size_t shapes[][3] = {{1, 16, 1}, {17, 48, 33}, {32, 288, 100}, {5, 16, 64},
                                     {33, 96, 7}};
  Rng r;
  rng_seed(&r, 15, 0);
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
    Problem p = problem_new(SHAPE_TN, shapes[s][0], shapes[s][1], shapes[s][2], &r, draw_normal,
                            draw_normal);
    zero_null_runs(&p);
    float *stored = run(mm, &p), *gathered = sentinel_c(&p);
    RowsServed served = {&p, 0};
    MatmulGathered b = {problem_runs, &served};
    mm->tn_gathered(p.M, p.N, p.K, p.a, p.lda, &b, gathered, p.ldc);
    cr_assert_eq(served.next, p.K, "%s asked for %zu rows of %zu", mm->name, served.next, p.K);
    padding_kept(mm, &p, gathered);
    cr_assert(memcmp(stored, gathered, p.M * p.ldc * sizeof(float)) == 0,
              "%s: gathered B differs from stored B at %zux%zux%zu", mm->name, p.M, p.N, p.K);
    free(stored);
    free(gathered);
    problem_free(&p);
  }
}

Test(matmul, gathered_b_gives_the_bits_of_stored_b) {
  cr_assert_null(matmul_blas.tn_gathered, "OpenBLAS needs B stored");
  check_gathered(&matmul_ref_fp32);
  check_gathered(&matmul_ref_bf16);
}

Test(matmul, gathered_b_gives_the_bits_of_stored_b_on_amx) {
  use_tiled(ON_AMX);
  check_gathered(tiled);
}

Test(matmul, gathered_b_gives_the_bits_of_stored_b_on_avx512_bf16) {
  use_tiled(ON_AVX512_BF16);
  check_gathered(tiled);
}

/* fp32 always runs OpenBLAS; bf16 runs AMX where it can, else AVX-512 BF16
 * where that runs, else the reference; bf16 is the default only on AMX. */
Test(matmul, matmul_for_picks_the_variant_of_the_precision) {
  cr_assert_eq(matmul_for(PRECISION_FP32), &matmul_blas);
  cr_assert_eq(matmul_for(PRECISION_BF16), !amx_bf16_missing()      ? &matmul_amx_bf16
                                           : !avx512_bf16_missing() ? &matmul_avx512_bf16
                                                                    : &matmul_ref_bf16);
  cr_assert_eq(!bf16_products_missing(), !amx_bf16_missing() || !avx512_bf16_missing());
  cr_assert_eq(precision_default(), amx_bf16_missing() ? PRECISION_FP32 : PRECISION_BF16);
  cr_assert_eq(precision_parse("bf16"), PRECISION_BF16);
  cr_assert_eq(precision_parse("fp32"), PRECISION_FP32);
  cr_assert_eq(precision_parse("fp16"), -1);
  cr_assert_str_eq(precision_name(PRECISION_BF16), "bf16");
}

/* A +-1 operand S as training passes one (MatmulOperand): its floats and
 * their sign bits, rows x cols. */
typedef struct {
  float *values;
  uint64_t *signs;
  MatmulOperand operand;
} SignOperand;

static SignOperand sign_operand_new(size_t rows, size_t cols, Rng *r) {
  SignOperand s = {.values = malloc(rows * cols * sizeof(float)),
                   .signs = malloc(rows * bits_words(cols) * sizeof(uint64_t))};
  for (size_t i = 0; i < rows * cols; i++) s.values[i] = draw_sign(r);
  bits_pack_rows(s.values, rows, cols, s.signs);
  s.operand = (MatmulOperand){s.values, s.signs, cols};
  return s;
}

/* C of the problem with B given as the operand S from row or column first,
 * through matmul_nt and its kin. */
static float *run_operand(const MatmulKernels *mm, const Problem *p, const MatmulOperand *s,
                          size_t first) {
  float *c = sentinel_c(p);
  if (p->shape == SHAPE_NT) matmul_nt(mm, p->M, p->N, p->K, p->a, p->lda, s, first, c, p->ldc);
  else if (p->shape == SHAPE_TN) matmul_tn(mm, p->M, p->N, p->K, p->a, p->lda, s, first, c, p->ldc);
  else matmul_nn(mm, p->M, p->N, p->K, p->a, p->lda, s, first, c, p->ldc);
  return padding_kept(mm, p, c);
}

/* Runs check on every shape and size with B a window of a +-1 operand S:
 * rows first .. first + N of S (N + EXTRA rows, K columns) for nt, columns
 * first .. first + N of S (K rows, N + EXTRA columns) for tn and nn, so the
 * bits of the EXTRA rows or columns past B are there to be misread, and
 * first off the 16-bit and 64-bit boundaries of the packing. */
enum { EXTRA = 7 };
static const size_t firsts[] = {0, 5, 16, 50, 70};

static void each_sign_window(void (*check)(const Problem *p, const MatmulOperand *s,
                                           size_t first)) {
  Rng r;
  rng_seed(&r, 15, 0);
  for (int shape = SHAPE_NT; shape <= SHAPE_NN; shape++)
    for (size_t d = 0; d < N_DIMS; d++)
      for (size_t f = 0; f < sizeof firsts / sizeof *firsts; f++) {
        size_t M = dims[d][0], N = dims[d][1], K = dims[d][2], first = firsts[f];
        Problem p = problem_new((Shape)shape, M, 1, K, &r, draw_normal, draw_sign);
        p.N = N;
        p.ldc = N + PAD;
        SignOperand s = shape == SHAPE_NT ? sign_operand_new(first + N + EXTRA, K, &r)
                                          : sign_operand_new(K, first + N + EXTRA, &r);
        free(p.b);
        p.b = shape == SHAPE_NT ? s.values + first * K : s.values + first;
        p.ldb = s.operand.cols;
        check(&p, &s.operand, first);
        free(p.a);
        free(s.values);
        free(s.signs);
      }
}

/* Packing B from the sign bits gives the bits packing from the floats
 * gives, and both stay within rounding of the bf16 reference. */
static void check_tiled_signs(const Problem *p, const MatmulOperand *s, size_t first) {
  float *bits = run_operand(tiled, p, s, first);
  float *floats = run(tiled, p), *ref = run(&matmul_ref_bf16, p);
  for (size_t m = 0; m < p->M; m++)
    cr_assert_eq(memcmp(bits + m * p->ldc, floats + m * p->ldc, p->N * sizeof(float)), 0,
                 "%s from bits vs from floats, %s %zux%zux%zu from %zu, row %zu", tiled->name,
                 shape_names[p->shape], p->M, p->N, p->K, first, m);
  check_close("tiles from bits vs bf16 reference", p, bits, ref, 0.0, 1);
  free(bits);
  free(floats);
  free(ref);
}

Test(matmul, amx_from_sign_bits_equals_amx_from_floats) {
  use_tiled(ON_AMX);
  each_sign_window(check_tiled_signs);
}

Test(matmul, avx512_bf16_from_sign_bits_equals_it_from_floats) {
  use_tiled(ON_AVX512_BF16);
  each_sign_window(check_tiled_signs);
}

/* A variant without sign kernels, or an operand without bits, takes the
 * floats: the same bits as a direct call. */
static void check_floats_taken(const Problem *p, const MatmulOperand *s, size_t first) {
  const MatmulKernels *variants[4];
  size_t count = variants_here(variants);
  MatmulOperand floats_only = {s->values, NULL, s->cols};
  for (size_t v = 0; v < count; v++) {
    const MatmulOperand *given = variants[v]->nt_signs ? &floats_only : s;
    float *c = run_operand(variants[v], p, given, first), *direct = run(variants[v], p);
    cr_assert_eq(memcmp(c, direct, p->M * p->ldc * sizeof(float)), 0,
                 "%s %s %zux%zux%zu from %zu", variants[v]->name, shape_names[p->shape], p->M,
                 p->N, p->K, first);
    free(c);
    free(direct);
  }
}

Test(matmul, products_without_sign_kernels_read_the_floats) {
  cr_assert_null(matmul_blas.nt_signs);
  cr_assert_null(matmul_ref_bf16.tn_signs);
  each_sign_window(check_floats_taken);
}

/* matmul_blocks: the blocks come in order and cover C, and when done sees
 * a block, its rows (at their place in C, or at C's start with at_c) hold
 * that block's product, bit for bit: the product of those rows alone. */
typedef struct {
  const MatmulKernels *mm;
  const Problem *p;
  const MatmulOperand *s;
  const float *c;
  const MatmulBlocks *blocks;
  size_t next, calls;
} BlocksSeen;

static void block_done(void *ctx, size_t r0, size_t r1) {
  BlocksSeen *seen = ctx;
  const Problem *p = seen->p;
  size_t rows = seen->blocks->rows;
  cr_assert_eq(r0, seen->next, "block from row %zu, expected %zu", r0, seen->next);
  cr_assert(r1 > r0 && r1 - r0 <= rows && r1 <= p->M, "block [%zu, %zu)", r0, r1);
  float *alone = malloc((r1 - r0) * p->ldc * sizeof(float));
  if (p->shape == SHAPE_TN)
    matmul_tn(seen->mm, r1 - r0, p->N, p->K, p->a + r0, p->lda, seen->s, 0, alone, p->ldc);
  else
    matmul_nn(seen->mm, r1 - r0, p->N, p->K, p->a + r0 * p->lda, p->lda, seen->s, 0, alone,
              p->ldc);
  const float *at = seen->blocks->at_c ? seen->c : seen->c + r0 * p->ldc;
  for (size_t m = 0; m < r1 - r0; m++)
    cr_assert_eq(memcmp(at + m * p->ldc, alone + m * p->ldc, p->N * sizeof(float)), 0,
                 "%s %s %zux%zux%zu, blocks of %zu%s: row %zu not its block's product when done",
                 seen->mm->name, shape_names[p->shape], p->M, p->N, p->K, rows,
                 seen->blocks->at_c ? " at C" : "", r0 + m);
  free(alone);
  seen->next = r1;
  seen->calls++;
}

/* The blocks of several sizes, in place and at C; in place, where the
 * variant's sums do not depend on the rows of the call (every variant but
 * OpenBLAS, which picks its kernels by size), C is also the whole product's. */
static void check_blocks(const MatmulKernels *mm, const Problem *p, const MatmulOperand *s) {
  float *whole = run_operand(mm, p, s, 0);
  const size_t sizes[] = {1, 16, 17, 128, p->M + 1};
  for (int at_c = 0; at_c <= 1; at_c++)
    for (size_t b = 0; b < sizeof sizes / sizeof *sizes; b++) {
      float *c = sentinel_c(p);
      BlocksSeen seen = {.mm = mm, .p = p, .s = s, .c = c};
      MatmulBlocks blocks = {.rows = sizes[b], .at_c = at_c, .done = block_done, .ctx = &seen};
      seen.blocks = &blocks;
      matmul_blocks(mm, p->shape == SHAPE_TN, p->M, p->N, p->K, p->a, p->lda, s, c, p->ldc,
                    &blocks);
      cr_assert_eq(seen.next, p->M, "%s: blocks of %zu ended at row %zu of %zu", mm->name,
                   sizes[b], seen.next, p->M);
      cr_assert_eq(seen.calls, (p->M + sizes[b] - 1) / sizes[b]);
      padding_kept(mm, p, c);
      if (!at_c && mm != &matmul_blas)
        cr_assert_eq(memcmp(c, whole, p->M * p->ldc * sizeof(float)), 0,
                     "%s %s %zux%zux%zu: blocks of %zu differ from the whole product", mm->name,
                     shape_names[p->shape], p->M, p->N, p->K, sizes[b]);
      free(c);
    }
  free(whole);
}

/* check_blocks for the variant `blocks_variant` names, from the sign bits and
 * from the floats alone. */
static const MatmulKernels *blocks_variant;

static void check_blocks_of_variant(const Problem *p, const MatmulOperand *s, size_t first) {
  if (p->shape == SHAPE_NT || first) return;
  MatmulOperand floats_only = {s->values, NULL, s->cols};
  check_blocks(blocks_variant, p, s);
  check_blocks(blocks_variant, p, &floats_only);
}

Test(matmul, blocks_deliver_the_whole_product_block_by_block) {
  const MatmulKernels *variants[] = {&matmul_blas, &matmul_ref_bf16};
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    blocks_variant = variants[v];
    each_sign_window(check_blocks_of_variant);
  }
}

Test(matmul, blocks_deliver_the_whole_product_block_by_block_on_amx) {
  use_tiled(ON_AMX);
  blocks_variant = tiled;
  each_sign_window(check_blocks_of_variant);
}

Test(matmul, blocks_deliver_the_whole_product_block_by_block_on_avx512_bf16) {
  use_tiled(ON_AVX512_BF16);
  blocks_variant = tiled;
  each_sign_window(check_blocks_of_variant);
}
