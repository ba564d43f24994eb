/* test_conv.c — the convolution layer (conv.h) against its definition
 * (conv_reference.h): the binary forward of every SIMD variant bit for bit,
 * the real forward and both gradients within a rounding tolerance, on odd
 * shapes (channels 1, 3, 63, 64, 65, 130; kernels 1, 3, 5; strides 1, 2; same and
 * valid padding; images 1x1, 5x7, 28x28; batches 1 and 3); the geometry
 * against Keras's; thread-count independence; and the pooling layers. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/system/blas_setup.h"
#include "engine/bitpack.h"
#include "engine/conv.h"
#include "engine/conv_amx.h"
#include "engine/conv_narrow_amx.h"
#include "engine/conv_reference.h"
#include "engine/error.h"
#include "engine/matmul.h"
#include "engine/parallel.h"
#include "engine/pool.h"
#include "engine/rng.h"
#include "engine/simd.h"

typedef struct {
  size_t H, W, C, N, k, s, B;
  ConvPadding pad;
} Case;

/* Every combination of the shapes above that a geometry accepts (valid
 * padding needs k <= H, W); 64 channels take the word-aligned im2col, 24 the
 * byte-aligned one. Output channels cycle through values around the GEMM
 * tiles; 28x28 images, the costly ones for the reference, get few. */
static size_t all_cases(Case *out) {
  static const size_t chans[] = {1, 3, 24, 63, 64, 65, 130}, ks[] = {1, 3, 5}, sizes[][2] = {
      {1, 1}, {5, 7}, {28, 28}};
  static const size_t small_n[] = {1, 33, 64, 70, 9}, big_n[] = {1, 3, 6};
  size_t count = 0;
  for (size_t i = 0; i < 3; i++)
    for (size_t c = 0; c < sizeof chans / sizeof *chans; c++)
      for (size_t k = 0; k < 3; k++)
        for (size_t s = 1; s <= 2; s++)
          for (int pad = CONV_SAME; pad <= CONV_VALID; pad++) {
            size_t H = sizes[i][0], W = sizes[i][1];
            if (pad == CONV_VALID && (ks[k] > H || ks[k] > W)) continue;
            int big = H * W > 100;
            out[count] = (Case){H, W, chans[c], big ? big_n[count % 3] : small_n[count % 5],
                                ks[k], s, 1 + 2 * (count % 2), (ConvPadding)pad};
            count++;
          }
  return count;
}

enum { MAX_CASES = 252 };

static ConvGeom case_geom(const Case *t) {
  ConvGeom g;
  char err[200];
  cr_assert_eq(conv_geom_init(&g, t->H, t->W, t->C, t->N, t->k, t->s, t->pad, err, sizeof err),
               0, "%s", err);
  return g;
}

#define CASE_FMT "H=%zu W=%zu C=%zu N=%zu k=%zu s=%zu %s B=%zu"
#define CASE_ARGS(t) \
  (t).H, (t).W, (t).C, (t).N, (t).k, (t).s, (t).pad == CONV_SAME ? "same" : "valid", (t).B

/* count floats: +-1 signs, or normal reals. */
static float *random_floats(Rng *r, size_t count, int signs) {
  float *x = malloc((count ? count : 1) * sizeof *x);
  for (size_t i = 0; i < count; i++)
    x[i] = signs ? ((rng_next(r) >> 63) ? 1.0f : -1.0f) : (float)rng_normal(r);
  return x;
}

static float *nan_floats(size_t count) {
  float *x = malloc(count * sizeof *x);
  for (size_t i = 0; i < count; i++) x[i] = NAN; /* every element must be written */
  return x;
}

static void *scratch_for(const ConvGeom *g) {
  size_t bytes = conv_scratch_bytes(g, (size_t)par_threads());
  return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

/* One case's operands. */
typedef struct {
  ConvGeom g;
  size_t in, out, wts; /* element counts of x, y, w */
  float *x, *w, *dy;
  uint64_t *xbits, *wbits;
  void *scratch;
} Operands;

static Operands operands(Rng *r, const Case *t, int signs) {
  Operands o = {.g = case_geom(t)};
  o.in = t->B * t->H * t->W * t->C;
  o.out = t->B * o.g.out_height * o.g.out_width * t->N;
  o.wts = t->N * o.g.taps;
  o.x = random_floats(r, o.in, signs);
  o.w = random_floats(r, o.wts, 1);
  o.dy = random_floats(r, o.out, 0);
  o.xbits = malloc(t->B * t->H * bits_words(t->W * t->C) * 8);
  o.wbits = malloc(t->N * bits_words(o.g.taps) * 8);
  bits_pack_rows(o.x, t->B * t->H, t->W * t->C, o.xbits);
  bits_pack_rows(o.w, t->N, o.g.taps, o.wbits);
  o.scratch = scratch_for(&o.g);
  return o;
}

/* o's input as the weight gradient reads it: the floats, with their bits
 * (with_bits: o.x must then be +-1) or without. */
static MatmulOperand input_of(const Operands *o, int with_bits) {
  return (MatmulOperand){o->x, with_bits ? o->xbits : NULL, o->g.width * o->g.in_ch};
}

static void operands_free(Operands *o) {
  free(o->x);
  free(o->w);
  free(o->dy);
  free(o->xbits);
  free(o->wbits);
  free(o->scratch);
}

static void check_forward_variant(SimdLevel level) {
  if (!simd_supported(level))
    cr_skip_test("this CPU cannot run the %s kernels, so its convolution is not tested",
                 simd_name(level));
  cr_assert_eq(par_init(2), 0);
  Case cases[MAX_CASES];
  size_t count = all_cases(cases);
  Rng r;
  rng_seed(&r, 7, (uint64_t)level);
  for (size_t i = 0; i < count; i++) {
    Operands o = operands(&r, &cases[i], 1);
    float *want = malloc(o.out * sizeof *want), *got = nan_floats(o.out);
    conv_reference_forward(&o.g, o.x, o.w, cases[i].B, want, NULL);
    conv_forward_binary_variant(level, &o.g, o.xbits, o.wbits, cases[i].B, got, o.scratch);
    for (size_t e = 0; e < o.out; e++)
      cr_assert(memcmp(&got[e], &want[e], sizeof(float)) == 0,
                "%s " CASE_FMT ": y[%zu] = %g, the definition gives %g", simd_name(level),
                CASE_ARGS(cases[i]), e, got[e], want[e]);
    free(want);
    free(got);
    operands_free(&o);
  }
  par_shutdown();
}


Test(conv, forward_scalar_equals_definition) { check_forward_variant(SIMD_SCALAR); }
Test(conv, forward_avx2_equals_definition) { check_forward_variant(SIMD_AVX2); }
Test(conv, forward_avx512_equals_definition) { check_forward_variant(SIMD_AVX512); }

/* |got - want| <= CONV_TOLERANCE * the sum of the terms' magnitudes (which
 * the definition gives, want_abs): float sums over up to a
 * few thousand terms in another order stay well inside it, and a missing or
 * extra term breaks it. */
#define CONV_TOLERANCE 1e-5

/* With bf16 inputs each product moves by at most (2^-7 + 2^-16) of its
 * magnitude (both inputs rounded, matmul.h), and the fp32 sums add theirs. */
#define CONV_BF16_TOLERANCE (0x1p-7 + 0x1p-16 + CONV_TOLERANCE)

static void assert_within(const char *what, const Case *t, const float *got, const float *want,
                          const float *want_abs, size_t count, double tolerance) {
  for (size_t e = 0; e < count; e++)
    cr_assert(fabs((double)got[e] - want[e]) <= tolerance * want_abs[e],
              "%s " CASE_FMT ": [%zu] = %.9g, the definition gives %.9g (terms' |sum| %g)", what,
              CASE_ARGS(*t), e, got[e], want[e], want_abs[e]);
}

static void assert_close(const char *what, const Case *t, const float *got, const float *want,
                         const float *want_abs, size_t count) {
  assert_within(what, t, got, want, want_abs, count, CONV_TOLERANCE);
}

/* Real input through float im2col + sgemm: exact for +-1 input (integer
 * sums), within the tolerance for normal reals. */
/* The binary product pooled a pair of rows at a time gives the bits (and
 * the winners) of the product stored whole and then pooled, on every case
 * whose output has a window: odd sizes, strides, paddings, 1 and 2 threads. */
Test(conv, forward_fused_with_max_pooling_is_bit_identical) {
  Case cases[MAX_CASES];
  size_t count = all_cases(cases);
  Rng r;
  rng_seed(&r, 20, 0);
  for (int threads = 1; threads <= 2; threads++) {
    cr_assert_eq(par_init(threads), 0);
    for (size_t i = 0; i < count; i++) {
      Operands o = operands(&r, &cases[i], 1);
      size_t Ho = o.g.out_height, Wo = o.g.out_width, N = cases[i].N, B = cases[i].B;
      if (Ho < 2 || Wo < 2) {
        operands_free(&o);
        continue;
      }
      size_t pooled = B * (Ho / 2) * (Wo / 2) * N;
      float *product = nan_floats(o.out), *want = nan_floats(pooled), *got = nan_floats(pooled);
      uint8_t *want_arg = malloc(pooled), *got_arg = malloc(pooled);
      conv_forward_binary(&o.g, o.xbits, o.wbits, B, product, o.scratch);
      maxpool2_forward(product, B, Ho, Wo, N, want, want_arg);
      conv_forward_binary_maxpool(&o.g, o.xbits, o.wbits, B, got, got_arg, o.scratch);
      cr_assert(memcmp(got, want, pooled * sizeof(float)) == 0 &&
                    memcmp(got_arg, want_arg, pooled) == 0,
                "%d threads: the fused pooling differs, " CASE_FMT, threads, CASE_ARGS(cases[i]));
      free(product);
      free(want);
      free(got);
      free(want_arg);
      free(got_arg);
      operands_free(&o);
    }
  }
  par_shutdown();
}

Test(conv, forward_real_equals_definition) {
  Case cases[MAX_CASES];
  size_t count = all_cases(cases);
  Rng r;
  rng_seed(&r, 8, 0);
  for (size_t i = 0; i < count; i++) {
    int signs = i % 2;
    Operands o = operands(&r, &cases[i], signs);
    float *want = malloc(o.out * sizeof *want), *want_abs = malloc(o.out * sizeof *want);
    float *got = nan_floats(o.out);
    conv_reference_forward(&o.g, o.x, o.w, cases[i].B, want, want_abs);
    conv_forward_real(&matmul_blas, &o.g, o.x, o.w, cases[i].B, got, o.scratch);
    if (signs)
      cr_assert(memcmp(got, want, o.out * sizeof *got) == 0, "+-1 input " CASE_FMT,
                CASE_ARGS(cases[i]));
    else
      assert_close("real forward", &cases[i], got, want, want_abs, o.out);
    free(want);
    free(want_abs);
    free(got);
    operands_free(&o);
  }
}

/* Fills o's scratch with NaN bytes: a product must write what it reads. */
static void spoil_scratch(const Operands *o) {
  memset(o->scratch, 0xff, conv_scratch_bytes(&o->g, (size_t)par_threads()));
}

/* Both gradients of case t through the products mm against the
 * definition within tolerance, the weights given with wbits (or NULL), the
 * input with its bits or without (input_of). */
static void check_gradients(const MatmulKernels *mm, const Case *t, const Operands *o,
                            const uint64_t *wbits, int x_bits, double tolerance) {
  float *want = malloc(o->in * sizeof *want), *want_abs = malloc(o->in * sizeof *want);
  float *got = nan_floats(o->in);
  conv_reference_backward_input(&o->g, o->dy, o->w, t->B, want, want_abs);
  MatmulOperand w = {o->w, wbits, o->g.taps};
  spoil_scratch(o);
  conv_backward_input(mm, &o->g, o->dy, &w, t->B, got, o->scratch);
  assert_within("dx", t, got, want, want_abs, o->in, tolerance);
  free(want);
  free(want_abs);
  free(got);
  want = malloc(o->wts * sizeof *want), want_abs = malloc(o->wts * sizeof *want);
  got = nan_floats(o->wts);
  conv_reference_backward_weights(&o->g, o->dy, o->x, t->B, want, want_abs);
  spoil_scratch(o);
  MatmulOperand x = input_of(o, x_bits);
  cr_assert_eq(conv_backward_weights(mm, &o->g, o->dy, &x, t->B, got, NULL, o->scratch), 0);
  assert_within("dW", t, got, want, want_abs, o->wts, tolerance);
  free(want);
  free(want_abs);
  free(got);
}

/* Both gradients on +-1 or real layer inputs through the products mm,
 * against the definition within tolerance; the SIMD level does not enter
 * them (OpenBLAS and AMX have their own kernels). */
static void check_backward(const MatmulKernels *mm, double tolerance) {
  cr_assert_eq(par_init(2), 0);
  Case cases[MAX_CASES];
  size_t count = all_cases(cases);
  Rng r;
  rng_seed(&r, 9, 0);
  for (size_t i = 0; i < count; i++) {
    const Case *t = &cases[i];
    Operands o = operands(&r, t, i % 2);
    /* the weights as floats alone, then with their sign bits too; +-1
     * inputs with theirs */
    check_gradients(mm, t, &o, i % 4 < 2 ? NULL : o.wbits, i % 2, tolerance);
    operands_free(&o);
  }
  par_shutdown();
}
Test(conv, backward_equals_definition) { check_backward(&matmul_blas, CONV_TOLERANCE); }
Test(conv, backward_in_bf16_is_within_its_rounding) {
  check_backward(&matmul_ref_bf16, CONV_BF16_TOLERANCE);
}
/* Skips the calling test, saying why, where a variant cannot run. */
static void skip_where_missing(const char *missing, const char *variant) {
  if (missing)
    cr_skip_test("this CPU or kernel lacks %s, so the %s convolution products are not tested",
                 missing, variant);
}
static void skip_without_amx(void) { skip_where_missing(amx_bf16_missing(), "AMX"); }
static void skip_without_avx512_bf16(void) {
  skip_where_missing(avx512_bf16_missing(), "AVX-512 BF16");
}

Test(conv, backward_on_amx_is_within_bf16_rounding) {
  skip_without_amx();
  check_backward(&matmul_amx_bf16, CONV_BF16_TOLERANCE);
}

Test(conv, backward_with_avx512_bf16_is_within_bf16_rounding) {
  skip_without_avx512_bf16();
  check_backward(&matmul_avx512_bf16, CONV_BF16_TOLERANCE);
}

/* Output sizes and padding as Keras computes them (tf.nn.conv2d: same pads
 * max((Ho - 1) s + k - H, 0), the odd one after), on both axes. */
Test(conv, geometry_is_keras) {
  static const struct {
    size_t in, k, s;
    ConvPadding pad;
    size_t out, before, after;
  } axes[] = {{28, 3, 1, CONV_SAME, 28, 1, 1}, {28, 5, 2, CONV_SAME, 14, 1, 2},
              {5, 3, 2, CONV_SAME, 3, 1, 1},   {7, 1, 2, CONV_SAME, 4, 0, 0},
              {1, 5, 1, CONV_SAME, 1, 2, 2},   {1, 5, 2, CONV_SAME, 1, 2, 2},
              {6, 3, 2, CONV_SAME, 3, 0, 1},   {6, 2, 2, CONV_SAME, 3, 0, 0},
              {28, 5, 2, CONV_VALID, 12, 0, 0}, {7, 3, 2, CONV_VALID, 3, 0, 0},
              {5, 5, 1, CONV_VALID, 1, 0, 0},  {32, 3, 1, CONV_VALID, 30, 0, 0}};
  ConvGeom g;
  char err[200];
  for (size_t i = 0; i < sizeof axes / sizeof *axes; i++) {
    cr_assert_eq(conv_geom_init(&g, axes[i].in, axes[i].in, 3, 8, axes[i].k, axes[i].s,
                                axes[i].pad, err, sizeof err), 0, "%s", err);
    cr_assert(g.out_height == axes[i].out && g.pad_top == axes[i].before &&
              g.pad_bottom == axes[i].after && g.out_width == axes[i].out &&
              g.pad_left == axes[i].before && g.pad_right == axes[i].after,
              "row %zu: Ho %zu, pads %zu %zu; Wo %zu, pads %zu %zu", i, g.out_height, g.pad_top,
              g.pad_bottom, g.out_width, g.pad_left, g.pad_right);
    cr_assert_eq(g.taps, axes[i].k * axes[i].k * 3);
  }
  /* Each axis on its own: 28 rows pad 0 + 1, 5 columns 1 + 1. */
  cr_assert_eq(conv_geom_init(&g, 28, 5, 2, 8, 3, 2, CONV_SAME, err, sizeof err), 0, "%s", err);
  cr_assert(g.out_height == 14 && g.pad_top == 0 && g.pad_bottom == 1 && g.out_width == 3 &&
            g.pad_left == 1 && g.pad_right == 1);
}

Test(conv, bad_geometry_is_refused_with_a_message) {
  static const struct {
    size_t H, W, C, N, k, s;
    ConvPadding pad;
    const char *says;
  } bad[] = {{0, 5, 3, 8, 3, 1, CONV_SAME, "at least 1"},
             {5, 5, 3, 0, 3, 1, CONV_SAME, "at least 1"},
             {5, 5, 3, 8, 3, 0, CONV_SAME, "at least 1"},
             {5, 5, 3, 8, 0, 1, CONV_VALID, "at least 1"},
             {3, 7, 3, 8, 5, 1, CONV_VALID, "at least 5x5"},
             {7, 4, 3, 8, 5, 2, CONV_VALID, "at least 5x5"},
             {8, 8, (size_t)1 << 21, 8, 3, 1, CONV_SAME, "exceed"},
             {8, 8, (size_t)1 << 24, 8, 1, 1, CONV_SAME, "exceed"},
             {8, 8, 1, 8, (size_t)1 << 33, 1, CONV_SAME, "exceed"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ConvGeom g;
    char err[200] = "";
    cr_assert_eq(conv_geom_init(&g, bad[i].H, bad[i].W, bad[i].C, bad[i].N, bad[i].k, bad[i].s,
                                bad[i].pad, err, sizeof err), ERR_USAGE, "row %zu accepted", i);
    cr_assert(strstr(err, bad[i].says), "row %zu: %s", i, err);
  }
  ConvGeom g;
  char err[200];
  cr_assert_eq(conv_geom_init(&g, 8, 8, ((size_t)1 << 24) - 1, 8, 1, 1, CONV_SAME, err, sizeof err),
               0, "%s", err);
}

/* The four products on 1 and 2 threads, bit for bit, on a shape that splits
 * (the weight gradient's 10 blocks of positions into its 8 chunks), through
 * OpenBLAS and through AMX. As in a run, OpenBLAS makes single-threaded calls from each thread of the
 * pool: left to its own threads (OPENBLAS_NUM_THREADS unset, as in this test
 * binary) it splits a call its own way, and SkylakeX's kernels then round the
 * weight gradient differently. */
static void check_threads_agree(const MatmulKernels *mm) {
  const Case t = {28, 28, 65, 70, 3, 1, 3, CONV_SAME};
  blas_set_threads(1);
  Rng r;
  rng_seed(&r, 10, 0);
  cr_assert_eq(par_init(2), 0); /* scratch for two */
  Operands o = operands(&r, &t, 1);
  size_t sizes[4] = {o.out, o.out, o.in, o.wts};
  float *one[4], *two[4];
  for (int threads = 1; threads <= 2; threads++) {
    float **res = threads == 1 ? one : two;
    cr_assert_eq(par_init(threads), 0);
    for (int f = 0; f < 4; f++) res[f] = nan_floats(sizes[f]);
    conv_forward_binary(&o.g, o.xbits, o.wbits, t.B, res[0], o.scratch);
    conv_forward_real(mm, &o.g, o.x, o.w, t.B, res[1], o.scratch);
    conv_backward_input(mm, &o.g, o.dy, &(MatmulOperand){o.w, NULL, o.g.taps}, t.B, res[2],
                        o.scratch);
    MatmulOperand x = input_of(&o, 1);
    conv_backward_weights(mm, &o.g, o.dy, &x, t.B, res[3], NULL, o.scratch);
  }
  static const char *const names[] = {"binary forward", "real forward", "dx", "dW"};
  for (int f = 0; f < 4; f++) {
    cr_assert(memcmp(one[f], two[f], sizes[f] * sizeof(float)) == 0, "%s differs (%s)", names[f],
              mm->name);
    free(one[f]);
    free(two[f]);
  }
  operands_free(&o);
  par_shutdown();
}

Test(conv, one_and_two_threads_agree) { check_threads_agree(&matmul_blas); }
Test(conv, one_and_two_threads_agree_on_amx) {
  skip_without_amx();
  check_threads_agree(&matmul_amx_bf16);
}
Test(conv, one_and_two_threads_agree_with_avx512_bf16) {
  skip_without_avx512_bf16();
  check_threads_agree(&matmul_avx512_bf16);
}

/* With C a multiple of 16 the weight gradient reads its im2col rows gathered
 * from x (MatmulGathered): the bits of the same variant reading them stored,
 * on clipped windows, strides and valid padding. */
static void check_gathered_weights(const MatmulKernels *mm) {
  static const Case cases[] = {{28, 28, 32, 32, 3, 1, 2, CONV_SAME},
                               {7, 5, 16, 9, 3, 2, 3, CONV_SAME},
                               {9, 9, 64, 20, 5, 1, 2, CONV_VALID},
                               {6, 6, 48, 17, 2, 2, 1, CONV_SAME}};
  /* the gathered and the stored rows, not the implicit products of AMX */
  MatmulKernels gathers = *mm, stored = *mm;
  gathers.amx_convolution = stored.amx_convolution = 0;
  stored.tn_gathered = NULL;
  Rng r;
  rng_seed(&r, 16, 0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const Case *t = &cases[i];
    Operands o = operands(&r, t, 1);
    float *gathered = nan_floats(o.wts), *want = nan_floats(o.wts);
    MatmulOperand x = input_of(&o, 0);
    conv_backward_weights(&gathers, &o.g, o.dy, &x, t->B, gathered, NULL, o.scratch);
    conv_backward_weights(&stored, &o.g, o.dy, &x, t->B, want, NULL, o.scratch);
    cr_assert(memcmp(gathered, want, o.wts * sizeof(float)) == 0,
              "%s: dW from gathered rows differs, " CASE_FMT, mm->name, CASE_ARGS(*t));
    free(gathered);
    free(want);
    operands_free(&o);
  }
}

Test(conv, weight_gradient_from_gathered_rows_is_bit_identical) {
  check_gathered_weights(&matmul_ref_bf16);
}

Test(conv, weight_gradient_from_gathered_rows_is_bit_identical_on_amx) {
  skip_without_amx();
  check_gathered_weights(&matmul_amx_bf16);
}

Test(conv, weight_gradient_from_gathered_rows_is_bit_identical_with_avx512_bf16) {
  skip_without_avx512_bf16();
  check_gathered_weights(&matmul_avx512_bf16);
}

/* Both gradients of each case on AMX against the definition within bf16
 * rounding, +-1 inputs (with their bits) in every other case; each case's
 * geometry must fit `fits` where it is given. */
static void check_amx_gradients(const Case *cases, size_t count, uint64_t seed,
                                int (*fits)(const ConvGeom *)) {
  cr_assert_eq(par_init(2), 0);
  Rng r;
  rng_seed(&r, seed, 0);
  for (size_t i = 0; i < count; i++) {
    Operands o = operands(&r, &cases[i], i % 2);
    cr_assert(!fits || fits(&o.g), CASE_FMT, CASE_ARGS(cases[i]));
    check_gradients(&matmul_amx_bf16, &cases[i], &o, o.wbits, i % 2, CONV_BF16_TOLERANCE);
    operands_free(&o);
  }
  par_shutdown();
}

/* On AMX a stride-1 convolution's gradients are implicit products
 * (conv_amx.h): both against the definition within bf16 rounding, on the
 * shapes they take (C and N multiples of 16 for the weight gradient, any
 * for the input gradient), odd images, every kernel size, both paddings, and
 * more than one image per chunk of the weight gradient's sum. */
Test(conv, implicit_gradients_on_amx_are_within_bf16_rounding) {
  skip_without_amx();
  static const Case cases[] = {
      {28, 28, 32, 32, 3, 1, 5, CONV_SAME}, {5, 7, 16, 48, 3, 1, 3, CONV_SAME},
      {5, 7, 48, 16, 5, 1, 2, CONV_SAME},   {9, 6, 32, 64, 5, 1, 3, CONV_VALID},
      {1, 1, 16, 16, 3, 1, 4, CONV_SAME},   {6, 6, 64, 32, 1, 1, 3, CONV_SAME},
      {7, 7, 16, 16, 2, 1, 3, CONV_SAME},   {3, 3, 32, 16, 3, 1, 2, CONV_VALID},
      {5, 5, 3, 20, 3, 1, 2, CONV_SAME},    {4, 9, 33, 7, 3, 1, 3, CONV_VALID},
      {5, 7, 16, 32, 3, 1, 19, CONV_SAME}}; /* 2-3 images in each of the 8 chunks */
  check_amx_gradients(cases, sizeof cases / sizeof *cases, 17, NULL);
}

/* With fewer than 16 input channels (a first layer) the weight gradient on
 * AMX runs conv_narrow_amx.h's loops: against the definition within bf16
 * rounding for 1 to 15 channels, 16 to 64 outputs, kernels 1 to 5, both
 * paddings, one image and more per chunk. */
Test(conv, narrow_weight_gradient_on_amx_is_within_bf16_rounding) {
  skip_without_amx();
  static const Case cases[] = {
      {28, 28, 1, 32, 3, 1, 5, CONV_SAME},  {32, 32, 3, 64, 3, 1, 3, CONV_SAME},
      {5, 7, 2, 16, 5, 1, 19, CONV_SAME},   {9, 6, 5, 48, 3, 1, 3, CONV_VALID},
      {1, 1, 1, 16, 3, 1, 4, CONV_SAME},    {6, 6, 15, 32, 1, 1, 3, CONV_SAME},
      {7, 8, 3, 16, 2, 1, 3, CONV_SAME},    {4, 4, 1, 64, 4, 1, 2, CONV_VALID}};
  check_amx_gradients(cases, sizeof cases / sizeof *cases, 19, conv_narrow_fit);
}

/* The implicit weight gradient reads a binary input from its bits: the
 * same bf16 as from its +-1 floats, so the same gradient bit for bit, on
 * clipped windows, valid padding, 1 x 1 kernels and 64 channels. */
Test(conv, implicit_weight_gradient_from_bits_is_bit_identical) {
  skip_without_amx();
  static const Case cases[] = {{28, 28, 32, 32, 3, 1, 3, CONV_SAME},
                               {9, 6, 32, 64, 5, 1, 3, CONV_VALID},
                               {6, 6, 64, 32, 1, 1, 3, CONV_SAME},
                               {5, 7, 48, 16, 2, 1, 19, CONV_SAME}};
  cr_assert_eq(par_init(2), 0);
  Rng r;
  rng_seed(&r, 18, 0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const Case *t = &cases[i];
    Operands o = operands(&r, t, 1);
    cr_assert(conv_amx_weights_fit(&o.g));
    float *floats = nan_floats(o.wts), *bits = nan_floats(o.wts);
    MatmulOperand from_floats = input_of(&o, 0), from_bits = input_of(&o, 1);
    spoil_scratch(&o);
    conv_backward_weights(&matmul_amx_bf16, &o.g, o.dy, &from_floats, t->B, floats, NULL,
                          o.scratch);
    spoil_scratch(&o);
    conv_backward_weights(&matmul_amx_bf16, &o.g, o.dy, &from_bits, t->B, bits, NULL, o.scratch);
    cr_assert(memcmp(floats, bits, o.wts * sizeof(float)) == 0,
              "dW from the input's bits differs, " CASE_FMT, CASE_ARGS(*t));
    free(floats);
    free(bits);
    operands_free(&o);
  }
  par_shutdown();
}

/* What the update of conv_backward_weights saw: each row once, complete. */
typedef struct {
  const float *want, *grad;
  size_t taps, seen[256];
} UpdateLog;

static size_t log_rows(void *ctx, size_t n0, size_t n1) {
  UpdateLog *u = ctx;
  for (size_t n = n0; n < n1; n++) {
    u->seen[n]++;
    if (memcmp(u->grad + n * u->taps, u->want + n * u->taps, u->taps * sizeof(float)))
      u->seen[n] += 100; /* handed over before its gradient was complete */
  }
  return 2 * (n1 - n0);
}

Test(conv, weight_update_gets_every_row_once_when_complete) {
  const Case t = {5, 7, 63, 130, 3, 2, 3, CONV_SAME};
  Rng r;
  rng_seed(&r, 11, 0);
  cr_assert_eq(par_init(2), 0);
  Operands o = operands(&r, &t, 1);
  float *want = malloc(o.wts * sizeof *want), *grad = nan_floats(o.wts);
  MatmulOperand x = input_of(&o, 1);
  cr_assert_eq(conv_backward_weights(&matmul_blas, &o.g, o.dy, &x, t.B, want, NULL, o.scratch), 0);
  UpdateLog log = {want, grad, o.g.taps, {0}};
  DenseUpdate update = {log_rows, &log};
  cr_assert_eq(conv_backward_weights(&matmul_blas, &o.g, o.dy, &x, t.B, grad, &update, o.scratch),
               2 * t.N);
  for (size_t n = 0; n < t.N; n++) cr_assert_eq(log.seen[n], 1, "row %zu: %zu", n, log.seen[n]);
  free(want);
  free(grad);
  operands_free(&o);
  par_shutdown();
}

/* An update that flips every sign of its rows of w, as a training step may:
 * conv_backward's dx must still be the one through the weights before it. */
typedef struct {
  float *w;
  size_t taps;
} FlipRows;

static size_t flip_rows(void *ctx, size_t n0, size_t n1) {
  FlipRows *f = ctx;
  for (size_t i = n0 * f->taps; i < n1 * f->taps; i++) f->w[i] = -f->w[i];
  return (n1 - n0) * f->taps;
}

/* conv_backward gives dx and dW together (one pass over dy where the weight
 * gradient is AMX's implicit product) with the bits of each alone, the
 * update's flips after dx: on shapes that take the implicit products and on
 * shapes that do not (a stride of 2, 24 channels), 1 and 2 threads. */
static void check_together(const MatmulKernels *mm) {
  static const Case cases[] = {{28, 28, 32, 32, 3, 1, 3, CONV_SAME},
                               {9, 6, 32, 64, 5, 1, 19, CONV_VALID},
                               {6, 6, 64, 32, 1, 1, 3, CONV_SAME},
                               {7, 5, 16, 16, 3, 2, 3, CONV_SAME},
                               {5, 7, 24, 32, 3, 1, 3, CONV_SAME}};
  Rng r;
  rng_seed(&r, 21, 0);
  for (int threads = 1; threads <= 2; threads++) {
    cr_assert_eq(par_init(threads), 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
      const Case *t = &cases[i];
      Operands o = operands(&r, t, 1);
      float *dx = nan_floats(o.in), *dw = nan_floats(o.wts);
      float *want_dx = nan_floats(o.in), *want_dw = nan_floats(o.wts);
      MatmulOperand w = {o.w, NULL, o.g.taps}, x = input_of(&o, 1);
      conv_backward_input(mm, &o.g, o.dy, &w, t->B, want_dx, o.scratch);
      conv_backward_weights(mm, &o.g, o.dy, &x, t->B, want_dw, NULL, o.scratch);
      spoil_scratch(&o);
      FlipRows flip = {o.w, o.g.taps};
      DenseUpdate update = {flip_rows, &flip};
      ConvGradient dy = {o.dy, NULL, NULL};
      cr_assert_eq(conv_backward(mm, &o.g, &dy, &w, &x, t->B, dx, dw, &update, o.scratch), o.wts);
      cr_assert(memcmp(dx, want_dx, o.in * sizeof *dx) == 0,
                "%s: dx together differs, %d threads, " CASE_FMT, mm->name, threads,
                CASE_ARGS(*t));
      cr_assert(memcmp(dw, want_dw, o.wts * sizeof *dw) == 0,
                "%s: dW together differs, %d threads, " CASE_FMT, mm->name, threads,
                CASE_ARGS(*t));
      free(dx);
      free(dw);
      free(want_dx);
      free(want_dw);
      operands_free(&o);
    }
  }
  par_shutdown();
}

Test(conv, both_gradients_together_equal_each_alone) { check_together(&matmul_blas); }
Test(conv, both_gradients_together_equal_each_alone_on_amx) {
  skip_without_amx();
  check_together(&matmul_amx_bf16);
}

/* conv_backward from max pooling's gradient and winners (unpooled on the
 * fly where the products are AMX's implicit ones, else first) gives the
 * bits of unpooling with maxpool2_backward and then conv_backward: even
 * and odd outputs (an unread last row and column), valid padding, and 24
 * channels, which the implicit weight gradient does not take. */
static void check_through_max_pooling(const MatmulKernels *mm) {
  static const Case cases[] = {{28, 28, 32, 32, 3, 1, 3, CONV_SAME},
                               {7, 9, 16, 48, 3, 1, 3, CONV_SAME},
                               {9, 6, 32, 64, 5, 1, 19, CONV_VALID},
                               {5, 7, 24, 32, 3, 1, 3, CONV_SAME}};
  Rng r;
  rng_seed(&r, 22, 0);
  cr_assert_eq(par_init(2), 0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const Case *t = &cases[i];
    Operands o = operands(&r, t, 1);
    size_t Ho = o.g.out_height, Wo = o.g.out_width, N = t->N;
    size_t pooled = t->B * (Ho / 2) * (Wo / 2) * N;
    float *product = random_floats(&r, o.out, 0), *winners = nan_floats(pooled);
    float *dz = random_floats(&r, pooled, 0), *unpooled = nan_floats(o.out);
    uint8_t *arg = malloc(pooled);
    maxpool2_forward(product, t->B, Ho, Wo, N, winners, arg);
    maxpool2_backward(dz, arg, t->B, Ho, Wo, N, unpooled);
    float *results[4];
    size_t sizes[4] = {o.in, o.wts, o.in, o.wts};
    for (int f = 0; f < 4; f++) results[f] = nan_floats(sizes[f]);
    MatmulOperand w = {o.w, NULL, o.g.taps}, x = input_of(&o, 1);
    ConvGradient from_dense = {unpooled, NULL, NULL}, from_pooled = {dz, arg, product};
    conv_backward(mm, &o.g, &from_dense, &w, &x, t->B, results[0], results[1], NULL, o.scratch);
    spoil_scratch(&o);
    conv_backward(mm, &o.g, &from_pooled, &w, &x, t->B, results[2], results[3], NULL,
                  o.scratch);
    cr_assert(memcmp(results[0], results[2], o.in * sizeof(float)) == 0,
              "%s: dx through max pooling differs, " CASE_FMT, mm->name, CASE_ARGS(*t));
    cr_assert(memcmp(results[1], results[3], o.wts * sizeof(float)) == 0,
              "%s: dW through max pooling differs, " CASE_FMT, mm->name, CASE_ARGS(*t));
    for (int f = 0; f < 4; f++) free(results[f]);
    free(product);
    free(winners);
    free(dz);
    free(unpooled);
    free(arg);
    operands_free(&o);
  }
  par_shutdown();
}

Test(conv, backward_through_max_pooling_equals_unpooling_first) {
  check_through_max_pooling(&matmul_blas);
}
Test(conv, backward_through_max_pooling_equals_unpooling_first_on_amx) {
  skip_without_amx();
  check_through_max_pooling(&matmul_amx_bf16);
}

static double dot(const float *a, const float *b, size_t count) {
  double sum = 0.0;
  for (size_t i = 0; i < count; i++) sum += (double)a[i] * b[i];
  return sum;
}

/* The definition's gradients are the adjoints of its forward:
 * <dy, conv(x, w)> = <dL/dx, x> = <dL/dw, w>, on real operands. */
Test(conv, definition_gradients_are_adjoints) {
  static const Case cases[] = {{5, 7, 3, 4, 3, 2, 2, CONV_SAME}, {6, 6, 2, 3, 5, 1, 1, CONV_SAME},
                               {7, 5, 4, 2, 3, 2, 3, CONV_VALID}, {1, 1, 5, 3, 5, 2, 2, CONV_SAME}};
  Rng r;
  rng_seed(&r, 12, 0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const Case *t = &cases[i];
    Operands o = operands(&r, t, 0);
    for (size_t e = 0; e < o.wts; e++) o.w[e] = (float)rng_normal(&r);
    float *y = malloc(o.out * sizeof *y), *dx = malloc(o.in * sizeof *dx);
    float *dw = malloc(o.wts * sizeof *dw);
    conv_reference_forward(&o.g, o.x, o.w, t->B, y, NULL);
    conv_reference_backward_input(&o.g, o.dy, o.w, t->B, dx, NULL);
    conv_reference_backward_weights(&o.g, o.dy, o.x, t->B, dw, NULL);
    double forward = dot(o.dy, y, o.out), scale = 1e-5 * (1.0 + fabs(forward));
    cr_assert(fabs(dot(dx, o.x, o.in) - forward) <= scale, "case %zu: <dx, x>", i);
    cr_assert(fabs(dot(dw, o.w, o.wts) - forward) <= scale, "case %zu: <dw, w>", i);
    free(y);
    free(dx);
    free(dw);
    operands_free(&o);
  }
}
