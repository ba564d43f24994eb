/* bench_bgemm.c — multiply-accumulates per second of the binary GEMM, per
 * SIMD variant, against OpenBLAS cblas_sgemm on the same +-1 matrices.
 *
 *   build/bench/bench_bgemm [THREADS]     (default: $FLIPSCOPE_THREADS, else 2)
 *
 * A human table goes to stderr; stdout gets one JSON object per (shape,
 * variant), as every benchmark of make bench does (README, Benchmarks),
 * ratio = bgemm GMAC/s / sgemm GMAC/s. One MAC is one multiply-accumulate:
 * a product of m x k by k x n has m * n * k of them.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/system/blas_setup.h"
#include "bench/bench_start.h"
#include "engine/bitpack.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/simd.h"

enum { REPETITIONS = 5 };
#define MIN_REPETITION_S 0.06 /* calls per repetition are doubled until one lasts this long */

typedef struct {
  size_t m, n, k;
  float *a, *b;        /* +-1 as floats, m x k and n x k */
  uint64_t *abits, *bbits;
  float *c;
  SimdLevel level;
} Problem;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run_bgemm(const Problem *p) {
  bgemm_variant(p->level, p->abits, p->bbits, p->c, p->m, p->n, p->k);
}

static void run_sgemm(const Problem *p) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p->m, (int)p->n, (int)p->k, 1.0f,
              p->a, (int)p->k, p->b, (int)p->k, 0.0f, p->c, (int)p->n);
}

/* Seconds per call: the best of several repetitions of enough calls to time. */
static double seconds_per_call(void (*run)(const Problem *), const Problem *p) {
  run(p); /* warm caches and the thread pools */
  size_t calls = 1;
  double elapsed;
  for (;;) {
    double start = now_s();
    for (size_t i = 0; i < calls; i++) run(p);
    elapsed = now_s() - start;
    if (elapsed >= MIN_REPETITION_S) break;
    calls *= 2;
  }
  double best = elapsed / (double)calls;
  for (int rep = 1; rep < REPETITIONS; rep++) {
    double start = now_s();
    for (size_t i = 0; i < calls; i++) run(p);
    double per_call = (now_s() - start) / (double)calls;
    if (per_call < best) best = per_call;
  }
  return best;
}

static void random_signs(Rng *r, float *x, size_t count) {
  for (size_t i = 0; i < count; i++) x[i] = (rng_next(r) >> 63) ? 1.0f : -1.0f;
}

static int bench_shape(size_t m, size_t n, size_t k, int threads) {
  Problem p = {m, n, k, malloc(m * k * sizeof(float)), malloc(n * k * sizeof(float)),
               malloc(m * bits_words(k) * 8), malloc(n * bits_words(k) * 8),
               malloc(m * n * sizeof(float)), SIMD_SCALAR};
  float *want = malloc(m * n * sizeof(float));
  if (!p.a || !p.b || !p.abits || !p.bbits || !p.c || !want) {
    fprintf(stderr, "bench_bgemm: out of memory\n");
    return -1;
  }
  Rng r;
  rng_seed(&r, 1, 0);
  random_signs(&r, p.a, m * k);
  random_signs(&r, p.b, n * k);
  bits_pack_rows(p.a, m, k, p.abits);
  bits_pack_rows(p.b, n, k, p.bbits);

  double macs = (double)m * (double)n * (double)k;
  double sgemm_gmacs = macs / seconds_per_call(run_sgemm, &p) * 1e-9;
  memcpy(want, p.c, m * n * sizeof(float)); /* exact: sums of +-1 below 2^24 */
  int status = 0;
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++) {
    if (!simd_supported((SimdLevel)level)) continue;
    p.level = (SimdLevel)level;
    double gmacs = macs / seconds_per_call(run_bgemm, &p) * 1e-9;
    if (memcmp(p.c, want, m * n * sizeof(float)) != 0) {
      fprintf(stderr, "bench_bgemm: %s result differs from cblas_sgemm at %zux%zux%zu\n",
              simd_name(p.level), m, n, k);
      status = -1;
    }
    const char *name = simd_name(p.level);
    fprintf(stderr, "%4zu x %4zu x %4zu  %-7s %9.1f %9.1f %8.2f\n", m, n, k, name, gmacs,
            sgemm_gmacs, gmacs / sgemm_gmacs);
    printf("{\"bench\":\"bgemm_%s_%zux%zux%zu\",\"variant\":\"%s\",\"threads\":%d,"
           "\"m\":%zu,\"n\":%zu,\"k\":%zu,\"gmacs\":%.1f,\"sgemm_gmacs\":%.1f,"
           "\"openblas_core\":\"%s\",\"baseline\":\"cblas_sgemm same shape\",\"ratio\":%.2f}\n",
           name, m, n, k, name, threads, m, n, k, gmacs, sgemm_gmacs, blas_core_name(),
           gmacs / sgemm_gmacs);
    fflush(stdout);
  }
  free(p.a);
  free(p.b);
  free(p.abits);
  free(p.bbits);
  free(p.c);
  free(want);
  return status;
}

int main(int argc, char **argv) {
  int threads, status = bench_start(argc, argv, "bench_bgemm", &threads);
  if (status) return status;
  blas_set_threads(threads);

  fprintf(stderr, "binary GEMM vs cblas_sgemm (OpenBLAS %s), %d thread%s, GMAC/s\n",
          blas_core_name(), threads, threads == 1 ? "" : "s");
  fprintf(stderr, "   m x    n x    k  variant     bgemm     sgemm    ratio\n");
  static const size_t shapes[][3] = {{1024, 1024, 1024}, {100, 1024, 1024}};
  status = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
    if (bench_shape(shapes[s][0], shapes[s][1], shapes[s][2], threads)) status = 1;
  par_shutdown();
  return status;
}
