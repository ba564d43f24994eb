/* test_bitpack.c — sign packing, the binary GEMM of every SIMD variant against
 * the portable kernel (bit for bit) and the portable kernel against a plain
 * float product of the unpacked +-1 matrices; thread-count independence; and
 * the FLIPSCOPE_SIMD parsing. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bitpack.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/simd.h"

typedef struct {
  size_t m, n, k;
} Shape;

/* Random +-1 matrix as floats (with some exact zeros and negative zeros,
 * which count as +1) and packed. */
typedef struct {
  float *signs; /* rows x k, each +1 or -1 */
  uint64_t *bits;
} SignMatrix;

static SignMatrix random_signs(Rng *r, size_t rows, size_t k) {
  SignMatrix s = {malloc(rows * k * sizeof(float)), malloc(rows * bits_words(k) * 8)};
  float *x = malloc(rows * k * sizeof(float));
  for (size_t t = 0; t < rows * k; t++) {
    uint64_t u = rng_below(r, 16);
    x[t] = u == 0 ? 0.0f : u == 1 ? -0.0f : rng_uniform(r) - 0.5f;
    s.signs[t] = x[t] >= 0.0f ? 1.0f : -1.0f;
  }
  bits_pack_rows(x, rows, k, s.bits);
  free(x);
  return s;
}

static void free_signs(SignMatrix *s) {
  free(s->signs);
  free(s->bits);
}

/* The edge shapes every comparison includes, then random ones up to `count`. */
static size_t test_shapes(Shape *out, size_t count, uint64_t seed) {
  static const Shape edges[] = {
      {1, 1, 1},     {1, 1, 63},     {1, 1, 64},     {1, 1, 65},      {2, 3, 127},
      {3, 7, 128},   {5, 9, 511},    {6, 32, 512},   {7, 33, 513},    {13, 17, 1000},
      {100, 10, 784}, {100, 97, 1024}, {6, 96, 1024}, {12, 100, 1025}, {9, 31, 1088},
      {3, 5, 4095},  {4, 35, 4097},  {7, 97, 8193},  {2, 200, 2000},  {31, 1, 1024},
      {1, 129, 64},  {11, 193, 100}};
  size_t n = sizeof edges / sizeof *edges;
  memcpy(out, edges, sizeof edges);
  static const size_t ks[] = {1, 2, 31, 63, 64, 65, 127, 128, 129, 511, 512, 513, 784, 1000, 1024};
  Rng r;
  rng_seed(&r, seed, 0);
  for (; n < count; n++) {
    out[n].m = 1 + rng_below(&r, 24);
    out[n].n = 1 + rng_below(&r, 130);
    out[n].k =
        rng_below(&r, 2) ? ks[rng_below(&r, sizeof ks / sizeof *ks)] : 1 + rng_below(&r, 3000);
  }
  return n;
}

enum { SHAPES = 200 };

static void check_variant_matches_scalar(SimdLevel level) {
  if (!simd_supported(level))
    cr_skip_test("this CPU cannot run the %s kernel, so it is not tested", simd_name(level));
  Shape shapes[SHAPES];
  size_t count = test_shapes(shapes, SHAPES, 11 + (uint64_t)level);
  Rng r;
  rng_seed(&r, 42, (uint64_t)level);
  for (size_t s = 0; s < count; s++) {
    Shape sh = shapes[s];
    SignMatrix a = random_signs(&r, sh.m, sh.k), b = random_signs(&r, sh.n, sh.k);
    float *want = malloc(sh.m * sh.n * sizeof(float)), *got = malloc(sh.m * sh.n * sizeof(float));
    bgemm_variant(SIMD_SCALAR, a.bits, b.bits, want, sh.m, sh.n, sh.k);
    for (size_t t = 0; t < sh.m * sh.n; t++) got[t] = NAN; /* every element must be written */
    bgemm_variant(level, a.bits, b.bits, got, sh.m, sh.n, sh.k);
    for (size_t t = 0; t < sh.m * sh.n; t++)
      cr_assert(memcmp(&got[t], &want[t], sizeof(float)) == 0,
                "%s m=%zu n=%zu k=%zu: c[%zu][%zu] = %g, scalar gives %g", simd_name(level), sh.m,
                sh.n, sh.k, t / sh.n, t % sh.n, got[t], want[t]);
    free(want);
    free(got);
    free_signs(&a);
    free_signs(&b);
  }
}

Test(bitpack, avx2_equals_scalar) { check_variant_matches_scalar(SIMD_AVX2); }
Test(bitpack, avx512_equals_scalar) { check_variant_matches_scalar(SIMD_AVX512); }

/* All-equal and all-opposite rows give the largest counts a kernel must hold
 * (c = +k or -k), which random signs never reach. */
Test(bitpack, extreme_counts_in_every_variant) {
  static const size_t ks[] = {64, 504, 505, 1024, 1025, 4096, 4160, 9000};
  enum { M = 7, N = 70 };
  for (size_t s = 0; s < sizeof ks / sizeof *ks; s++) {
    size_t k = ks[s], kw = bits_words(k);
    uint64_t *a = calloc(M * kw, 8), *b = calloc(N * kw, 8);
    float *c = malloc(M * N * sizeof(float));
    for (size_t t = 0; t < k; t++) { /* even rows all +1, odd rows all -1 */
      for (size_t i = 0; i < M; i += 2) a[i * kw + t / 64] |= 1ull << (t % 64);
      for (size_t j = 0; j < N; j += 2) b[j * kw + t / 64] |= 1ull << (t % 64);
    }
    for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++) {
      if (!simd_supported((SimdLevel)level)) continue;
      bgemm_variant((SimdLevel)level, a, b, c, M, N, k);
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
          float want = (i % 2 == j % 2) ? (float)k : -(float)k;
          cr_assert_eq(c[i * N + j], want, "%s k=%zu: c[%zu][%zu] = %g, want %g",
                       simd_name((SimdLevel)level), k, i, j, c[i * N + j], want);
        }
    }
    free(a);
    free(b);
    free(c);
  }
}

Test(bitpack, scalar_equals_float_product) {
  Shape shapes[SHAPES];
  size_t count = test_shapes(shapes, SHAPES, 5);
  Rng r;
  rng_seed(&r, 9, 0);
  for (size_t s = 0; s < count; s++) {
    Shape sh = shapes[s];
    SignMatrix a = random_signs(&r, sh.m, sh.k), b = random_signs(&r, sh.n, sh.k);
    float *got = malloc(sh.m * sh.n * sizeof(float));
    bgemm_variant(SIMD_SCALAR, a.bits, b.bits, got, sh.m, sh.n, sh.k);
    for (size_t i = 0; i < sh.m; i++)
      for (size_t j = 0; j < sh.n; j++) {
        float dot = 0.0f; /* exact: integers below 2^24 */
        for (size_t t = 0; t < sh.k; t++) dot += a.signs[i * sh.k + t] * b.signs[j * sh.k + t];
        cr_assert_eq(got[i * sh.n + j], dot, "m=%zu n=%zu k=%zu: c[%zu][%zu] = %g, want %g", sh.m,
                     sh.n, sh.k, i, j, got[i * sh.n + j], dot);
      }
    free(got);
    free_signs(&a);
    free_signs(&b);
  }
}

Test(bitpack, pack_known_values) {
  enum { K = 70 };
  float x[2][K];
  for (int t = 0; t < K; t++) {
    x[0][t] = (t % 3 == 0) ? -1.5f : 2.0f;
    x[1][t] = -x[0][t];
  }
  x[0][0] = 0.0f;        /* +1 */
  x[0][1] = -0.0f;       /* +1 */
  x[0][2] = -1e-38f;     /* -1 */
  x[0][3] = 1e-45f;      /* +1 (denormal) */
  x[0][4] = -INFINITY;   /* -1 */
  x[0][5] = INFINITY;    /* +1 */
  x[0][6] = NAN;         /* -1, as activation.c's float signs */
  x[0][69] = -0.0f;      /* +1, last real bit */
  uint64_t out[2][2];
  memset(out, 0xff, sizeof out); /* padding must be written as 0 */
  bits_pack_rows(&x[0][0], 2, K, &out[0][0]);

  uint64_t want0 = 0, want1 = 0;
  for (int t = 0; t < 64; t++) want0 |= (uint64_t)(t % 3 != 0) << t;
  want0 |= 1u << 0 | 1u << 1 | 1u << 3 | 1u << 5;
  want0 &= ~(1ull << 2 | 1ull << 4 | 1ull << 6);
  for (int t = 64; t < K; t++) want1 |= (uint64_t)(t % 3 != 0 || t == 69) << (t - 64);
  cr_assert_eq(out[0][0], want0, "row 0 word 0: %016llx, want %016llx",
               (unsigned long long)out[0][0], (unsigned long long)want0);
  cr_assert_eq(out[0][1], want1, "row 0 word 1: %016llx, want %016llx",
               (unsigned long long)out[0][1], (unsigned long long)want1);
  uint64_t row1_word1 = 0;
  for (int t = 64; t < K; t++) row1_word1 |= (uint64_t)(t % 3 == 0) << (t - 64);
  cr_assert_eq(out[1][1], row1_word1);
  cr_assert_eq(out[1][1] >> (K - 64), 0, "padding bits must be 0");
}

Test(bitpack, pack_random_rows_and_padding) {
  Rng r;
  rng_seed(&r, 3, 0);
  for (size_t k = 1; k <= 200; k++) {
    size_t rows = 3, kw = bits_words(k);
    float *x = malloc(rows * k * sizeof(float));
    uint64_t *bits = malloc(rows * kw * 8);
    memset(bits, 0xa5, rows * kw * 8);
    for (size_t t = 0; t < rows * k; t++) x[t] = rng_uniform(&r) - 0.5f;
    bits_pack_rows(x, rows, k, bits);
    for (size_t i = 0; i < rows; i++)
      for (size_t t = 0; t < 64 * kw; t++) {
        int bit = (int)(bits[i * kw + t / 64] >> (t % 64) & 1);
        int want = t < k ? x[i * k + t] >= 0.0f : 0;
        cr_assert_eq(bit, want, "k=%zu row %zu bit %zu", k, i, t);
      }
    free(x);
    free(bits);
  }
}

/* Shapes big enough to be split between threads, by rows and by columns. */
Test(bitpack, one_and_two_threads_agree) {
  static const Shape shapes[] = {
      {100, 1024, 1024}, {1024, 64, 512}, {101, 333, 777}, {301, 97, 1000}};
  Rng r;
  rng_seed(&r, 17, 0);
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
    Shape sh = shapes[s];
    SignMatrix a = random_signs(&r, sh.m, sh.k), b = random_signs(&r, sh.n, sh.k);
    float *one = malloc(sh.m * sh.n * sizeof(float)), *two = malloc(sh.m * sh.n * sizeof(float));
    for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++) {
      if (!simd_supported((SimdLevel)level)) continue;
      simd_force((SimdLevel)level);
      cr_assert_eq(par_init(1), 0);
      bgemm(a.bits, b.bits, one, sh.m, sh.n, sh.k);
      cr_assert_eq(par_init(2), 0);
      bgemm(a.bits, b.bits, two, sh.m, sh.n, sh.k);
      cr_assert(memcmp(one, two, sh.m * sh.n * sizeof(float)) == 0,
                "%s m=%zu n=%zu k=%zu: 1 and 2 threads differ", simd_name((SimdLevel)level), sh.m,
                sh.n, sh.k);
    }
    free(one);
    free(two);
    free_signs(&a);
    free_signs(&b);
  }
  par_shutdown();
}

Test(bitpack, bgemm_runs_the_forced_variant) {
  Rng r;
  rng_seed(&r, 23, 0);
  SignMatrix a = random_signs(&r, 9, 300), b = random_signs(&r, 21, 300);
  float want[9 * 21], got[9 * 21];
  bgemm_variant(SIMD_SCALAR, a.bits, b.bits, want, 9, 21, 300);
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++) {
    if (!simd_supported((SimdLevel)level)) continue;
    simd_force((SimdLevel)level);
    cr_assert_eq(simd_active(), (SimdLevel)level);
    bgemm(a.bits, b.bits, got, 9, 21, 300);
    cr_assert(memcmp(got, want, sizeof got) == 0, "%s", simd_name((SimdLevel)level));
  }
  free_signs(&a);
  free_signs(&b);
}

Test(simd, parse_names) {
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++)
    cr_assert_eq(simd_parse(simd_name((SimdLevel)level)), level);
  const char *bad[] = {"", "avx", "AVX2", "avx512 ", "neon", "sse4"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(simd_parse(bad[i]), -1, "\"%s\" must be rejected", bad[i]);
  cr_assert_eq(simd_parse(NULL), -1);
  cr_assert(simd_supported(SIMD_SCALAR));
  cr_assert(simd_supported(simd_detect()));
}

Test(simd, env_rejects_unknown_variant) {
  char err[160] = "";
  setenv("FLIPSCOPE_SIMD", "avx9", 1);
  cr_assert_eq(simd_init(err, sizeof err), ERR_USAGE);
  cr_assert(strstr(err, "FLIPSCOPE_SIMD=avx9"), "message: %s", err);
}

Test(simd, env_forces_or_detects) {
  char err[160] = "";
  setenv("FLIPSCOPE_SIMD", "scalar", 1);
  cr_assert_eq(simd_init(err, sizeof err), 0, "%s", err);
  cr_assert_eq(simd_active(), SIMD_SCALAR);
  unsetenv("FLIPSCOPE_SIMD");
  cr_assert_eq(simd_init(err, sizeof err), 0, "%s", err);
  cr_assert_eq(simd_active(), simd_detect());
  /* A variant this CPU lacks, if any, is refused with the missing extension named. */
  for (int level = SIMD_AVX2; level <= SIMD_AVX512; level++) {
    if (simd_supported((SimdLevel)level)) continue;
    setenv("FLIPSCOPE_SIMD", simd_name((SimdLevel)level), 1);
    cr_assert_eq(simd_init(err, sizeof err), ERR_USAGE);
    cr_assert(strstr(err, "this CPU lacks"), "message: %s", err);
  }
}
