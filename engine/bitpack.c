/* bitpack.c — packing signs into bits, and the binary GEMM dispatch.
 *
 * bgemm picks the kernel of the active SIMD variant (kernels.h) and splits the
 * output between the threads of parallel.h: by rows of a, or by rows of b
 * when b has more rows (e.g. a batch of 100 against 1024 neurons). Each output
 * element is an exact integer computed by one thread, so the result is
 * bit-identical for every variant and thread count. The portable scalar
 * kernel, the reference the SIMD kernels are tested against, lives here too.
 */
#include "engine/bitpack.h"

#include <string.h>

#include "engine/bitpack_kernels.h"
#include "engine/kernels.h"
#include "engine/parallel.h"

/* The loop is in layer_loops.h, compiled per SIMD variant. */
void bits_pack_rows(const float *x, size_t rows, size_t k, uint64_t *out) {
  kernels()->pack_rows(x, rows, k, out);
}

/* Portable popcount without the POPCNT instruction (this file targets any
 * x86-64): SWAR sums of bits into bytes, bytes into 16-bit lanes. */
static inline uint64_t byte_popcounts(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full; /* each byte: popcount of that byte, <= 8 */
}

static inline uint64_t sum_bytes(uint64_t bytes) {
  uint64_t lanes = (bytes & 0x00ff00ff00ff00ffull) + ((bytes >> 8) & 0x00ff00ff00ff00ffull);
  return (lanes * 0x0001000100010001ull) >> 48; /* sum of four 16-bit lanes, each < 2^14 */
}

/* Scalar kernel: popcount(a_i XOR b_j) over kw words, one (i, j) at a time.
 * Byte counts are added across up to 31 words (31 * 8 < 256) before the one
 * horizontal sum. a: m x kw, b: n x kw words; c: m x n. */
void bgemm_scalar(const BgemmProblem *p, size_t i0, size_t i1, size_t j0, size_t j1) {
  enum { WORDS_PER_SUM = 31 };
  size_t kw = bits_words(p->k);
  for (size_t i = i0; i < i1; i++) {
    const uint64_t *ai = p->a + i * kw;
    for (size_t j = j0; j < j1; j++) {
      const uint64_t *bj = p->b + j * kw;
      uint64_t mismatches = 0;
      for (size_t w0 = 0; w0 < kw; w0 += WORDS_PER_SUM) {
        size_t w1 = w0 + WORDS_PER_SUM < kw ? w0 + WORDS_PER_SUM : kw;
        uint64_t bytes = 0;
        for (size_t w = w0; w < w1; w++) bytes += byte_popcounts(ai[w] ^ bj[w]);
        mismatches += sum_bytes(bytes);
      }
      p->c[i * p->n + j] = (float)((int64_t)p->k - 2 * (int64_t)mismatches);
    }
  }
}

/* Below this many multiply-accumulates, waking the pool costs more than it saves. */
enum { PAR_MIN_MACS = 1 << 22, ROW_GRAIN = 12, COL_GRAIN = 32 };

typedef struct {
  const BgemmProblem *problem;
  BgemmKernel kernel;
} BgemmJob;

static void rows_body(void *ctx, size_t begin, size_t end) {
  const BgemmJob *job = ctx;
  job->kernel(job->problem, begin, end, 0, job->problem->n);
}

static void cols_body(void *ctx, size_t begin, size_t end) {
  const BgemmJob *job = ctx;
  job->kernel(job->problem, 0, job->problem->m, begin, end);
}

void bgemm_variant(SimdLevel level, const uint64_t *a, const uint64_t *b, float *c, size_t m,
                   size_t n, size_t k) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    memset(c, 0, m * n * sizeof *c);
    return;
  }
  BgemmProblem problem = {a, b, c, m, n, k};
  BgemmJob job = {&problem, kernels_for(level)->bgemm};
  if ((double)m * (double)n * (double)k < PAR_MIN_MACS || par_threads() == 1)
    job.kernel(&problem, 0, m, 0, n);
  else if (m >= n)
    par_for(m, ROW_GRAIN, rows_body, &job);
  else
    par_for(n, COL_GRAIN, cols_body, &job);
}

void bgemm(const uint64_t *a, const uint64_t *b, float *c, size_t m, size_t n, size_t k) {
  bgemm_variant(simd_active(), a, b, c, m, n, k);
}
