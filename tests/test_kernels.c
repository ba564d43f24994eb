/* test_kernels.c — every SIMD variant of every element-wise kernel against the
 * portable one, bit for bit, on random inputs of odd lengths; and simd_force /
 * FLIPSCOPE_SIMD choosing the variant of every kernel (kernels.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bitpack.h"
#include "engine/kernels.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/simd.h"

enum { MAX_BUFS = 9 };

/* What a buffer holds: any float (with zeros, -0, denormals, +-1, huge and
 * tiny magnitudes), +-1 signs, positive floats (variances), or any float
 * including NaN and infinities (for kernels that only compare and select). */
typedef enum { ANY, SIGNS, POSITIVE, SPECIAL } Fill;

/* A kernel's operands: MAX_BUFS float arrays of rows x cols and packed bits. */
typedef struct {
  size_t rows, cols;
  float *f[MAX_BUFS];
  uint64_t *bits;
} Bufs;

/* Runs one kernel of table k on b; returns its result (flips) or 0. */
typedef size_t (*Runner)(const KernelTable *k, Bufs *b, const void *ctx);

typedef struct {
  const char *name;
  Fill fill[MAX_BUFS];
  Runner run;
  const void *ctx;
} KernelCase;

static float random_float(Rng *r, Fill fill) {
  uint64_t u = rng_below(r, 32);
  float x = u == 0 ? 0.0f : u == 1 ? -0.0f : u == 2 ? 1.0f : u == 3 ? -1.0f
          : u == 4 ? 1e-40f : u == 5 ? 3e4f : u == 6 ? 1e-6f : (float)rng_normal(r);
  if (fill == SPECIAL && u >= 7 && u <= 9) x = u == 7 ? NAN : u == 8 ? INFINITY : -INFINITY;
  if (fill == SIGNS) return u % 2 ? 1.0f : -1.0f;
  return fill == POSITIVE ? fabsf(x) + 1e-3f : x;
}

static Bufs bufs_new(Rng *r, const KernelCase *kc, size_t rows, size_t cols) {
  Bufs b = {rows, cols, {0}, calloc(rows * bits_words(cols), sizeof(uint64_t))};
  for (int i = 0; i < MAX_BUFS; i++) {
    b.f[i] = malloc(rows * cols * sizeof(float));
    for (size_t t = 0; t < rows * cols; t++) b.f[i][t] = random_float(r, kc->fill[i]);
  }
  return b;
}

static Bufs bufs_copy(const Bufs *src) {
  size_t n = src->rows * src->cols, words = src->rows * bits_words(src->cols);
  Bufs b = {src->rows, src->cols, {0}, malloc(words * sizeof(uint64_t))};
  memcpy(b.bits, src->bits, words * sizeof(uint64_t));
  for (int i = 0; i < MAX_BUFS; i++) {
    b.f[i] = malloc(n * sizeof(float));
    memcpy(b.f[i], src->f[i], n * sizeof(float));
  }
  return b;
}

static void bufs_free(Bufs *b) {
  for (int i = 0; i < MAX_BUFS; i++) free(b->f[i]);
  free(b->bits);
}

/* Runs kc with the scalar table and with `level`'s on the same random inputs,
 * for odd and even lengths around vector widths and the IIR tile, and asserts
 * every output word and the result are bit-identical. */
static void check_kernel(SimdLevel level, const KernelCase *kc) {
  if (!simd_supported(level))
    cr_skip_test("this CPU cannot run the %s kernels, so they are not tested", simd_name(level));
  static const size_t cols[] = {1, 2, 7, 15, 16, 17, 63, 64, 65, 127, 1000 + 3, 1024, 4096 + 33};
  static const size_t rows[] = {1, 3, 17};
  Rng r;
  rng_seed(&r, 2024, (uint64_t)level);
  for (size_t ri = 0; ri < sizeof rows / sizeof *rows; ri++)
    for (size_t ci = 0; ci < sizeof cols / sizeof *cols; ci++) {
      Bufs want = bufs_new(&r, kc, rows[ri], cols[ci]), got = bufs_copy(&want);
      size_t n = rows[ri] * cols[ci];
      size_t want_result = kc->run(kernels_for(SIMD_SCALAR), &want, kc->ctx);
      size_t got_result = kc->run(kernels_for(level), &got, kc->ctx);
      cr_assert_eq(got_result, want_result, "%s %s %zux%zu: returns %zu, scalar %zu",
                   simd_name(level), kc->name, rows[ri], cols[ci], got_result, want_result);
      for (int i = 0; i < MAX_BUFS; i++)
        for (size_t t = 0; t < n; t++)
          cr_assert(memcmp(&got.f[i][t], &want.f[i][t], sizeof(float)) == 0,
                    "%s %s %zux%zu: operand %d [%zu] = %a, scalar gives %a", simd_name(level),
                    kc->name, rows[ri], cols[ci], i, t, got.f[i][t], want.f[i][t]);
      cr_assert(memcmp(got.bits, want.bits, rows[ri] * bits_words(cols[ci]) * 8) == 0,
                "%s %s %zux%zu: packed bits differ", simd_name(level), kc->name, rows[ri],
                cols[ci]);
      bufs_free(&want);
      bufs_free(&got);
    }
}

static size_t run_pack_rows(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  k->pack_rows(b->f[0], b->rows, b->cols, b->bits);
  return 0;
}

static size_t run_sign_floats(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  k->sign_floats(b->f[0], b->rows * b->cols, b->f[1]);
  return 0;
}

static size_t run_ste_backward(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  k->ste_backward(b->f[0], b->f[1], b->rows * b->cols, b->f[2]);
  k->ste_backward(b->f[3], b->f[1], b->rows * b->cols, b->f[3]); /* dz aliasing da */
  return 0;
}

static size_t run_add_into(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  k->add_into(b->f[0], b->f[1], b->rows * b->cols);
  return 0;
}

/* Batch norm's loops: B = rows, N = cols; per-feature operands use the first
 * N floats. */
static size_t run_bn_sums(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  k->bn_sums(b->f[0], b->rows, b->cols, b->f[1]);
  k->bn_squares(b->f[0], b->rows, b->cols, b->f[3], b->f[2]);
  return 0;
}

static size_t run_bn_normalize(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  float **f = b->f;
  k->bn_normalize(f[0], b->rows, b->cols, f[1], f[2], f[3], f[4], f[5]);
  return 0;
}

static size_t run_bn_forward_eval(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  float **f = b->f;
  k->bn_forward_eval(f[0], b->rows, b->cols, f[1], f[2], f[3], f[4], f[5]);
  return 0;
}

static size_t run_bn_backward(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  float **f = b->f;
  k->bn_grad_sums(f[0], f[1], f[8], f[2], b->rows, b->cols, f[4], f[5]);
  k->bn_input_grad(f[0], f[1], f[8], b->rows, b->cols, f[2], f[3], f[4], f[5], b->rows, f[6]);
  k->bn_input_grad(f[7], f[1], f[8], b->rows, b->cols, f[2], f[3], f[4], f[5], b->rows,
                   f[7]); /* dx aliasing dy */
  return 0;
}

/* A max-pooling window row: inputs f[0..3], each rows x cols long as C; the
 * winners as floats in f[5] (so the harness compares them too). */
static size_t run_max_window(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  size_t C = b->rows * b->cols;
  uint8_t *w = malloc(C);
  cr_assert_not_null(w);
  k->max_window(b->f[0], b->f[1], b->f[2], b->f[3], C, b->f[4], w);
  for (size_t c = 0; c < C; c++) b->f[5][c] = w[c];
  free(w);
  return 0;
}

/* Its backward: dy f[0], the winners w[c] = c % 4 shuffled by f[1]'s bits,
 * the four inputs' gradients f[2..5] (each written whole). */
static size_t run_max_window_backward(const KernelTable *k, Bufs *b, const void *ctx) {
  (void)ctx;
  size_t C = b->rows * b->cols;
  uint8_t *w = malloc(C);
  cr_assert_not_null(w);
  for (size_t c = 0; c < C; c++) {
    uint32_t u;
    memcpy(&u, &b->f[1][c], sizeof u);
    w[c] = (uint8_t)((c + (u >> 7)) % 4);
  }
  k->max_window_backward(b->f[0], w, C, b->f[2], b->f[3], b->f[4], b->f[5]);
  free(w);
  return 0;
}

/* An optimizer step: signs f[0], gradient f[1], states f[2..]. */
typedef struct {
  OptConfig cfg;
  double rate;
  uint64_t t;
} StepCase;

/* Steps [n / 3, n) (an unaligned start) and then [0, n). */
static size_t run_opt_step(const KernelTable *k, Bufs *b, const void *ctx) {
  const StepCase *sc = ctx;
  const OptStepArgs args = {.cfg = &sc->cfg, .rate = sc->rate, .t = sc->t};
  opt_kernel step = k->opt_step[sc->cfg.kind];
  float *const *state = b->f + 2;
  size_t n = b->rows * b->cols;
  size_t flips = step(&args, b->f[0], b->f[1], state, n / 3, n);
  return flips + step(&args, b->f[0], b->f[1], state, 0, n);
}

#define SIMD_TESTS(test_name, ...)                                                               \
  static const KernelCase test_name##_case = __VA_ARGS__;                                        \
  Test(kernels, test_name##_avx2) { check_kernel(SIMD_AVX2, &test_name##_case); }                \
  Test(kernels, test_name##_avx512) { check_kernel(SIMD_AVX512, &test_name##_case); }

SIMD_TESTS(pack_rows, {"pack_rows", {SPECIAL}, run_pack_rows, NULL})
SIMD_TESTS(sign_floats, {"sign_floats", {SPECIAL}, run_sign_floats, NULL})
SIMD_TESTS(ste_backward, {"ste_backward", {ANY, SPECIAL, ANY, ANY}, run_ste_backward, NULL})
SIMD_TESTS(add_into, {"add_into", {SPECIAL, SPECIAL}, run_add_into, NULL})
SIMD_TESTS(bn_sums, {"bn_sums", {ANY, ANY, ANY, ANY}, run_bn_sums, NULL})
SIMD_TESTS(bn_normalize, {"bn_normalize", {ANY, ANY, POSITIVE, ANY, ANY, ANY}, run_bn_normalize,
                          NULL})
SIMD_TESTS(bn_forward_eval, {"bn_forward_eval", {ANY, ANY, ANY, ANY, POSITIVE, ANY},
                             run_bn_forward_eval, NULL})
SIMD_TESTS(max_window, {"max_window", {SPECIAL, SPECIAL, ANY, SPECIAL, ANY, ANY},
                        run_max_window, NULL})
SIMD_TESTS(max_window_backward, {"max_window_backward", {SPECIAL, ANY, ANY, ANY, ANY, ANY},
                                 run_max_window_backward, NULL})
SIMD_TESTS(bn_backward, {"bn_backward", {ANY, ANY, POSITIVE, ANY, ANY, ANY, ANY, ANY, ANY},
                         run_bn_backward, NULL})

/* An optimizer's defaults with `edit` applied, as a step case. */
static StepCase step_case(OptKind kind, double rate, uint64_t t, void (*edit)(OptConfig *)) {
  StepCase sc = {.rate = rate, .t = t};
  optim_defaults(kind, &sc.cfg);
  if (edit) edit(&sc.cfg);
  return sc;
}

static void wd_and_clip(OptConfig *c) { c->wd = 0.01, c->clip = 1.5; }
static void momentum(OptConfig *c) { c->momentum = 0.9, c->dampening = 0.1, c->wd = 0.01; }
static void nesterov(OptConfig *c) { c->momentum = 0.9, c->nesterov = 1, c->clip = 1; }
static void decoupled(OptConfig *c) { c->momentum = 0.5, c->decoupled_wd = 1, c->wd = 0.1; }
static void tau(OptConfig *c) { c->tau = 0.05; }
static void unbiased(OptConfig *c) { c->tau = 0.05, c->unbiased = 1; }
static void cascade(OptConfig *c) {
  c->iir_sections = 3, c->iir_poles[0] = 0.9, c->iir_poles[1] = -0.5, c->iir_poles[2] = 0.99;
}
static void biquad(OptConfig *c) {
  static const double coef[5] = {0.2, 0.1, 0.05, -0.5, 0.1};
  c->iir_biquad = 1;
  memcpy(c->iir_coef, coef, sizeof coef);
}

/* Every optimizer kind and the branches of its step, each checked in `level`. */
static void check_optimizers(SimdLevel level) {
  const struct {
    const char *name;
    StepCase sc;
  } cases[] = {
      {"cema", step_case(OPT_CEMA, 0.3, 5, NULL)},
      {"adam t=1", step_case(OPT_ADAM, 0.1, 1, NULL)},
      {"adam wd clip t=7", step_case(OPT_ADAM, 0.1, 7, wd_and_clip)},
      {"adamw t=3", step_case(OPT_ADAMW, 0.1, 3, wd_and_clip)},
      {"sgd plain", step_case(OPT_SGD, 0.5, 4, wd_and_clip)},
      {"sgd momentum t=1", step_case(OPT_SGD, 0.5, 1, momentum)},
      {"sgd momentum t=2", step_case(OPT_SGD, 0.5, 2, momentum)},
      {"sgd nesterov", step_case(OPT_SGD, 0.5, 9, nesterov)},
      {"sgd decoupled", step_case(OPT_SGD, 0.5, 9, decoupled)},
      {"bop", step_case(OPT_BOP, 0.2, 3, tau)},
      {"bop2", step_case(OPT_BOP2, 0.2, 3, tau)},
      {"bop2 unbiased", step_case(OPT_BOP2, 0.2, 3, unbiased)},
      {"iir cascade", step_case(OPT_IIR, 0, 3, cascade)},
      {"iir biquad", step_case(OPT_IIR, 0, 3, biquad)},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    KernelCase kc = {cases[c].name, {SIGNS, ANY, ANY, ANY, POSITIVE, ANY, ANY, ANY}, run_opt_step,
                     &cases[c].sc};
    check_kernel(level, &kc);
  }
}

Test(kernels, optimizer_steps_avx2) { check_optimizers(SIMD_AVX2); }
Test(kernels, optimizer_steps_avx512) { check_optimizers(SIMD_AVX512); }

/* Every entry of a table, as one function-pointer type so tables compare. */
typedef void (*AnyKernel)(void);
enum { FIXED_ENTRIES = 13, TABLE_ENTRIES = FIXED_ENTRIES + OPT_KIND_COUNT };

static void table_entries(const KernelTable *t, AnyKernel out[TABLE_ENTRIES]) {
  AnyKernel fixed[FIXED_ENTRIES] = {
      (AnyKernel)t->bgemm,        (AnyKernel)t->pack_rows,       (AnyKernel)t->sign_floats,
      (AnyKernel)t->ste_backward, (AnyKernel)t->bn_sums,         (AnyKernel)t->bn_squares,
      (AnyKernel)t->bn_normalize, (AnyKernel)t->bn_forward_eval,
      (AnyKernel)t->bn_grad_sums, (AnyKernel)t->bn_input_grad,   (AnyKernel)t->max_window,
      (AnyKernel)t->add_into,     (AnyKernel)t->max_window_backward};
  memcpy(out, fixed, sizeof fixed);
  for (int k = 0; k < OPT_KIND_COUNT; k++) out[FIXED_ENTRIES + k] = (AnyKernel)t->opt_step[k];
}

/* Each variant has its own compiled copy of every kernel, none missing. */
Test(kernels, every_variant_has_its_own_copy_of_every_kernel) {
  AnyKernel entries[3][TABLE_ENTRIES];
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++)
    table_entries(kernels_for((SimdLevel)level), entries[level]);
  for (int e = 0; e < TABLE_ENTRIES; e++)
    for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++) {
      cr_assert(entries[level][e] != NULL, "%s entry %d is missing", simd_name(level), e);
      for (int other = SIMD_SCALAR; other < level; other++)
        cr_assert(entries[level][e] != entries[other][e], "%s and %s share entry %d",
                  simd_name(level), simd_name(other), e);
    }
}

/* simd_force and FLIPSCOPE_SIMD choose the table every kernel call runs. */
Test(kernels, forced_level_chooses_every_kernel) {
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++) {
    if (!simd_supported((SimdLevel)level)) continue;
    simd_force((SimdLevel)level);
    cr_assert(kernels() == kernels_for((SimdLevel)level), "%s", simd_name(level));
    char err[200];
    setenv("FLIPSCOPE_SIMD", simd_name((SimdLevel)level), 1);
    simd_force(level == SIMD_SCALAR ? SIMD_AVX2 : SIMD_SCALAR);
    cr_assert_eq(simd_init(err, sizeof err), 0, "%s", err);
    cr_assert(kernels() == kernels_for((SimdLevel)level), "FLIPSCOPE_SIMD=%s", simd_name(level));
  }
  unsetenv("FLIPSCOPE_SIMD");
}
