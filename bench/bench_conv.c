/* bench_conv.c — multiply-accumulates per second of the binary convolution
 * forward (engine/conv.h), per SIMD variant, against a float convolution of
 * the same shape: im2col + cblas_sgemm (conv_forward_real) on the same +-1
 * values.
 *
 *   build/bench/bench_conv [THREADS]     (default: $FLIPSCOPE_THREADS, else 2)
 *
 * One MAC is one multiply-accumulate of the convolution as written,
 * B Ho Wo N k k C per call (padded taps included, for both sides). Each
 * contender's calls per repetition are set so that one repetition lasts
 * MIN_REPETITION_S; then the repetitions alternate between the contenders
 * (float, scalar, avx2, avx512, float, scalar, ...) so that a burst of load on
 * the shared machine hits them alike. The human table on stderr gives the
 * best and the median repetition of each; stdout gets one JSON object per
 * (shape, variant), ratio = binary GMAC/s / float GMAC/s, best over best and
 * median over median. The binary result is checked against the float one
 * (exact: sums of +-1 below 2^24).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/system/blas_setup.h"
#include "bench/bench_start.h"
#include "engine/bitpack.h"
#include "engine/conv.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/simd.h"

enum { REPETITIONS = 5, FLOAT_CONV = -1, CONTENDERS = 1 + SIMD_AVX512 + 1 };
#define MIN_REPETITION_S 0.1

typedef struct {
  ConvGeom g;
  size_t B;
  float *x, *sign, *y;       /* +-1 input and weights as floats; output */
  uint64_t *xbits, *wbits;
  void *scratch;
} Problem;

typedef struct {
  int level;                 /* a SimdLevel, or FLOAT_CONV */
  size_t calls;              /* per repetition */
  double gmacs[REPETITIONS]; /* of each repetition */
} Contender;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *contender_name(const Contender *c) {
  return c->level == FLOAT_CONV ? "sgemm" : simd_name((SimdLevel)c->level);
}

static void run(const Contender *c, const Problem *p) {
  if (c->level == FLOAT_CONV)
    conv_forward_real(&matmul_blas, &p->g, p->x, p->sign, p->B, p->y, p->scratch);
  else
    conv_forward_binary_variant((SimdLevel)c->level, &p->g, p->xbits, p->wbits, p->B, p->y,
                                p->scratch);
}

/* Seconds for c->calls calls. */
static double time_calls(const Contender *c, const Problem *p) {
  double start = now_s();
  for (size_t i = 0; i < c->calls; i++) run(c, p);
  return now_s() - start;
}

/* Doubles c->calls (from 1) until a repetition lasts MIN_REPETITION_S. */
static void calibrate(Contender *c, const Problem *p) {
  run(c, p); /* warm caches and the thread pools */
  for (c->calls = 1; time_calls(c, p) < MIN_REPETITION_S; c->calls *= 2) continue;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The best and the median of c's repetitions. */
static void best_and_median(const Contender *c, double *best, double *median) {
  double sorted[REPETITIONS];
  memcpy(sorted, c->gmacs, sizeof sorted);
  qsort(sorted, REPETITIONS, sizeof *sorted, by_value);
  *best = sorted[REPETITIONS - 1];
  *median = sorted[REPETITIONS / 2];
}

static int problem_new(Problem *p, size_t B, size_t H, size_t W, size_t C, size_t N, size_t k) {
  char err[200];
  if (conv_geom_init(&p->g, H, W, C, N, k, 1, CONV_SAME, err, sizeof err)) {
    fprintf(stderr, "bench_conv: %s\n", err);
    return -1;
  }
  size_t in = B * H * W * C, K = p->g.taps, out = B * p->g.out_height * p->g.out_width * N;
  size_t scratch = (conv_scratch_bytes(&p->g, (size_t)par_threads()) + 63) / 64 * 64;
  p->B = B;
  p->x = malloc(in * sizeof(float));
  p->sign = malloc(N * K * sizeof(float));
  p->y = malloc(out * sizeof(float));
  p->xbits = malloc(B * H * bits_words(W * C) * sizeof(uint64_t));
  p->wbits = malloc(N * bits_words(K) * sizeof(uint64_t));
  p->scratch = aligned_alloc(64, scratch);
  if (!p->x || !p->sign || !p->y || !p->xbits || !p->wbits || !p->scratch) {
    fprintf(stderr, "bench_conv: out of memory\n");
    return -1;
  }
  Rng r;
  rng_seed(&r, 1, 0);
  for (size_t i = 0; i < in; i++) p->x[i] = (rng_next(&r) >> 63) ? 1.0f : -1.0f;
  for (size_t i = 0; i < N * K; i++) p->sign[i] = (rng_next(&r) >> 63) ? 1.0f : -1.0f;
  bits_pack_rows(p->x, B * H, W * C, p->xbits);
  bits_pack_rows(p->sign, N, K, p->wbits);
  return 0;
}

static void problem_free(Problem *p) {
  free(p->x);
  free(p->sign);
  free(p->y);
  free(p->xbits);
  free(p->wbits);
  free(p->scratch);
}

/* Each binary variant's output against the float convolution's. */
static int check_results(const Contender *cs, size_t count, Problem *p) {
  size_t out = p->B * p->g.out_height * p->g.out_width * p->g.out_ch;
  float *want = malloc(out * sizeof *want);
  if (!want) return -1;
  run(&cs[0], p);
  memcpy(want, p->y, out * sizeof *want);
  int status = 0;
  for (size_t i = 1; i < count; i++) {
    run(&cs[i], p);
    if (memcmp(p->y, want, out * sizeof *want)) {
      fprintf(stderr, "bench_conv: %s result differs from the float convolution\n",
              contender_name(&cs[i]));
      status = -1;
    }
  }
  free(want);
  return status;
}

/* One line of the table and one JSON object per binary variant. */
static void report(const Problem *p, const Contender *cs, size_t count, int threads) {
  const ConvGeom *g = &p->g;
  double float_best, float_median;
  best_and_median(&cs[0], &float_best, &float_median);
  char shape[96];
  snprintf(shape, sizeof shape, "%zux%zux%zu_%zu_k%zu_b%zu", g->height, g->width, g->in_ch,
           g->out_ch, g->kernel, p->B);
  for (size_t i = 1; i < count; i++) {
    double best, median;
    best_and_median(&cs[i], &best, &median);
    const char *name = contender_name(&cs[i]);
    fprintf(stderr, "%-22s %-7s %8.1f %8.1f %8.1f %8.1f %7.2f %7.2f\n", shape, name, best,
            median, float_best, float_median, best / float_best, median / float_median);
    printf("{\"bench\":\"conv_%s_%s\",\"variant\":\"%s\",\"threads\":%d,\"batch\":%zu,"
           "\"height\":%zu,\"width\":%zu,\"in_ch\":%zu,\"out_ch\":%zu,\"kernel\":%zu,"
           "\"stride\":%zu,\"padding\":\"same\",\"gmacs\":%.1f,\"gmacs_median\":%.1f,"
           "\"sgemm_gmacs\":%.1f,\"sgemm_gmacs_median\":%.1f,\"openblas_core\":\"%s\","
           "\"baseline\":\"im2col + cblas_sgemm same shape\",\"ratio\":%.2f,"
           "\"ratio_median\":%.2f}\n",
           name, shape, name, threads, p->B, g->height, g->width, g->in_ch, g->out_ch, g->kernel,
           g->stride, best, median, float_best, float_median, blas_core_name(), best / float_best,
           median / float_median);
    fflush(stdout);
  }
}

static int bench_shape(size_t B, size_t H, size_t W, size_t C, size_t N, size_t k, int threads) {
  Problem p;
  if (problem_new(&p, B, H, W, C, N, k)) return -1;
  Contender cs[CONTENDERS];
  size_t count = 0;
  cs[count++] = (Contender){.level = FLOAT_CONV};
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++)
    if (simd_supported((SimdLevel)level)) cs[count++] = (Contender){.level = level};
  int status = check_results(cs, count, &p);
  double macs = (double)B * (double)(p.g.out_height * p.g.out_width) * (double)N *
                (double)p.g.taps;
  for (size_t i = 0; i < count; i++) calibrate(&cs[i], &p);
  for (int rep = 0; rep < REPETITIONS; rep++)
    for (size_t i = 0; i < count; i++)
      cs[i].gmacs[rep] = macs * (double)cs[i].calls / time_calls(&cs[i], &p) * 1e-9;
  report(&p, cs, count, threads);
  problem_free(&p);
  return status;
}

int main(int argc, char **argv) {
  int threads, status = bench_start(argc, argv, "bench_conv", &threads);
  if (status) return status;
  blas_set_threads(1); /* each thread of the pool makes single-threaded calls */

  fprintf(stderr, "binary convolution vs im2col + cblas_sgemm (OpenBLAS %s), 3x3 same, "
          "%d thread%s, GMAC/s over %d alternating repetitions\n",
          blas_core_name(), threads, threads == 1 ? "" : "s", REPETITIONS);
  fprintf(stderr, "HxWxC_N_k_batch        variant    best   median  sgemm:best  median  "
          "ratio  median\n");
  static const size_t shapes[][5] = {{100, 28, 28, 64, 64}, {100, 32, 32, 128, 128}};
  status = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
    if (bench_shape(shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], shapes[s][4], 3,
                    threads))
      status = 1;
  par_shutdown();
  return status;
}
