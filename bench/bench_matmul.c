/* bench_matmul.c — multiply-accumulates per second of the real-valued
 * products of one W1 training step (784-1024-1024-10, batch 100), bf16 (on
 * AMX, else with AVX-512 BF16) against fp32 cblas_sgemm, through the dense layer as training calls it
 * (engine/dense.h: slices over the thread pool, one single-threaded product
 * per slice; the weight gradient in blocks of 128 rows), with the operands
 * training gives them: the binary weights, and the hidden layers' sign
 * activations in their weight gradients, come with their sign bits, which
 * the AMX variant packs its tiles from; layer 1's weight gradient reads the
 * pixels as floats.
 *
 *   build/bench/bench_matmul [THREADS]    (default: $FLIPSCOPE_THREADS, else 2)
 *
 * The two variants alternate (fp32, bf16, fp32, bf16, ...) so that the load
 * of a shared machine falls on both alike; each figure is the best and the
 * median of REPETITIONS timings. On a machine shared with other work the
 * wall-clock figures suffer whenever a thread waits for the CPU, so the
 * process's CPU time per call is reported too (best of each; its ratio is
 * the steadier one). A human table goes to stderr; stdout gets one JSON
 * object per product and one for the whole step, ratio = bf16 GMAC/s / fp32
 * GMAC/s of the best wall-clock timings. Where neither bf16 kernel runs it
 * says so and exits 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "app/system/blas_setup.h"
#include "engine/bitpack.h"
#include "engine/dense.h"
#include "engine/kernels.h"
#include "engine/matmul.h"
#include "engine/parallel.h"
#include "engine/rng.h"

enum { REPETITIONS = 9, BATCH = 100, N_PRODUCTS = 6 };
#define MIN_TIMING_S 0.03 /* calls per timing are doubled until one lasts this long */

typedef enum { FORWARD, INPUT_GRAD, WEIGHT_GRAD } Kind;

/* One product of the step: layer (in -> out), which of the three, and
 * whether the layer's input is sign activations (else the pixels). */
typedef struct {
  const char *name;
  Kind kind;
  size_t in, out;
  int binary_input;
} Product;

static const Product products[N_PRODUCTS] = {
    {"forward_l1", FORWARD, 784, 1024, 0},         {"input_grad_l2", INPUT_GRAD, 1024, 1024, 1},
    {"input_grad_l3", INPUT_GRAD, 1024, 10, 1},    {"weight_grad_l1", WEIGHT_GRAD, 784, 1024, 0},
    {"weight_grad_l2", WEIGHT_GRAD, 1024, 1024, 1}, {"weight_grad_l3", WEIGHT_GRAD, 1024, 10, 1}};

/* Operands big enough for every product: x (B x in) pixels or sign
 * activations (act, with its bits), sign (out x in, with its bits), dy
 * (B x out), and the output. */
typedef struct {
  float *x, *act, *sign, *dy, *out;
  uint64_t *act_bits, *sign_bits;
} Buffers;

static double clock_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds per call: wall-clock and CPU time of the process. */
typedef struct {
  double wall, cpu;
} Timing;

static void run(const MatmulKernels *mm, const Product *p, const Buffers *b) {
  MatmulOperand w = {b->sign, b->sign_bits, p->in};
  MatmulOperand x = p->binary_input ? (MatmulOperand){b->act, b->act_bits, p->in}
                                    : (MatmulOperand){b->x, NULL, p->in};
  if (p->kind == FORWARD) dense_forward_real(mm, b->x, &w, BATCH, p->in, p->out, b->out);
  if (p->kind == INPUT_GRAD) dense_backward_input(mm, b->dy, &w, BATCH, p->in, p->out, b->out);
  if (p->kind == WEIGHT_GRAD)
    dense_backward_weights(mm, b->dy, &x, BATCH, p->in, p->out, b->out, NULL);
}

/* Seconds per call of `calls` calls. */
static Timing time_calls(const MatmulKernels *mm, const Product *p, const Buffers *b,
                         size_t calls) {
  double wall = clock_s(CLOCK_MONOTONIC), cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  for (size_t i = 0; i < calls; i++) run(mm, p, b);
  return (Timing){(clock_s(CLOCK_MONOTONIC) - wall) / (double)calls,
                  (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu) / (double)calls};
}

static int by_value(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Best and median wall-clock seconds per call, and best CPU seconds, of fp32
 * (v = 0) and bf16 (v = 1), timed in turn. */
static void time_product(const Product *p, const Buffers *b, double best[2], double median[2],
                         double cpu[2]) {
  const MatmulKernels *mm[2] = {matmul_for(PRECISION_FP32), matmul_for(PRECISION_BF16)};
  size_t calls = 1;
  bits_pack_rows(b->sign, p->out, p->in, b->sign_bits);
  bits_pack_rows(b->act, BATCH, p->in, b->act_bits);
  run(mm[0], p, b);
  run(mm[1], p, b);
  while (time_calls(mm[0], p, b, calls).wall * (double)calls < MIN_TIMING_S) calls *= 2;
  double t[2][REPETITIONS];
  cpu[0] = cpu[1] = INFINITY;
  for (int rep = 0; rep < REPETITIONS; rep++)
    for (int v = 0; v < 2; v++) {
      Timing one = time_calls(mm[v], p, b, calls);
      t[v][rep] = one.wall;
      if (one.cpu < cpu[v]) cpu[v] = one.cpu;
    }
  for (int v = 0; v < 2; v++) {
    qsort(t[v], REPETITIONS, sizeof(double), by_value);
    best[v] = t[v][0];
    median[v] = t[v][REPETITIONS / 2];
  }
}

static void report(const char *name, double macs, const double best[2], const double median[2],
                   const double cpu[2], int threads) {
  double g[2], gm[2];
  for (int v = 0; v < 2; v++) {
    g[v] = macs / best[v] * 1e-9;
    gm[v] = macs / median[v] * 1e-9;
  }
  fprintf(stderr, "%-16s %7.1f M %9.3f %9.3f %8.1f %8.1f %7.2f %7.2f %7.2f\n", name,
          macs * 1e-6, best[0] * 1e3, best[1] * 1e3, g[0], g[1], g[1] / g[0], gm[1] / gm[0],
          cpu[0] / cpu[1]);
  printf("{\"bench\":\"matmul_w1_%s\",\"threads\":%d,\"macs\":%.0f,\"fp32_ms\":%.4f,"
         "\"bf16_ms\":%.4f,\"fp32_gmacs\":%.1f,\"bf16_gmacs\":%.1f,\"fp32_gmacs_median\":%.1f,"
         "\"bf16_gmacs_median\":%.1f,\"fp32_cpu_ms\":%.4f,\"bf16_cpu_ms\":%.4f,"
         "\"openblas_core\":\"%s\",\"bf16_kernel\":\"%s\","
         "\"baseline\":\"cblas_sgemm same shapes, same run\","
         "\"ratio\":%.2f,\"ratio_median\":%.2f,\"ratio_cpu\":%.2f}\n",
         name, threads, macs, best[0] * 1e3, best[1] * 1e3, g[0], g[1], gm[0], gm[1],
         cpu[0] * 1e3, cpu[1] * 1e3, blas_core_name(), matmul_for(PRECISION_BF16)->name, g[1] / g[0], gm[1] / gm[0],
         cpu[0] / cpu[1]);
  fflush(stdout);
}

static float *random_floats(Rng *r, size_t count, int signs) {
  float *x = malloc(count * sizeof(float));
  for (size_t i = 0; x && i < count; i++)
    x[i] = signs ? ((rng_next(r) >> 63) ? 1.0f : -1.0f) : (float)rng_normal(r);
  return x;
}

int main(int argc, char **argv) {
  blas_select_kernels(argv); /* may re-exec with OPENBLAS_CORETYPE set */
  const char *arg = argc > 1 ? argv[1] : getenv("FLIPSCOPE_THREADS");
  int threads = arg && *arg ? atoi(arg) : 2;
  if (threads < 1 || threads > PAR_MAX_THREADS || par_init(threads) != 0) {
    fprintf(stderr, "bench_matmul: cannot run on \"%s\" threads (1..%d)\n", arg, PAR_MAX_THREADS);
    return 2;
  }
  blas_set_threads(1); /* as a run does: one single-threaded call per slice */
  const char *missing = bf16_products_missing();
  if (missing) {
    fprintf(stderr, "bench_matmul: this CPU lacks %s: no bf16 products to measure\n", missing);
    return 0;
  }
  Rng r;
  rng_seed(&r, 1, 0);
  Buffers b = {random_floats(&r, BATCH * 1024, 0), random_floats(&r, BATCH * 1024, 1),
               random_floats(&r, 1024 * 1024, 1), random_floats(&r, BATCH * 1024, 0),
               malloc(1024 * 1024 * sizeof(float)),
               malloc(BATCH * bits_words(1024) * sizeof(uint64_t)),
               malloc(1024 * bits_words(1024) * sizeof(uint64_t))};
  if (!b.x || !b.act || !b.sign || !b.dy || !b.out || !b.act_bits || !b.sign_bits) {
    fprintf(stderr, "bench_matmul: out of memory\n");
    return 1;
  }
  const MatmulKernels *bf16 = matmul_for(PRECISION_BF16);
  fprintf(stderr, "W1 step products, %s vs fp32 OpenBLAS %s, %d threads (best of %d)\n",
          bf16->name, blas_core_name(), threads, REPETITIONS);
  fprintf(stderr, "product             MACs   fp32 ms   bf16 ms  fp32 G/s bf16 G/s   ratio  median"
                  "     cpu\n");
  double step_best[2] = {0, 0}, step_median[2] = {0, 0}, step_cpu[2] = {0, 0}, step_macs = 0;
  for (size_t i = 0; i < N_PRODUCTS; i++) {
    const Product *p = &products[i];
    double best[2], median[2], cpu[2], macs = (double)BATCH * (double)p->in * (double)p->out;
    time_product(p, &b, best, median, cpu);
    report(p->name, macs, best, median, cpu, threads);
    for (int v = 0; v < 2; v++) {
      step_best[v] += best[v];
      step_median[v] += median[v];
      step_cpu[v] += cpu[v];
    }
    step_macs += macs;
  }
  report("step", step_macs, step_best, step_median, step_cpu, threads);
  free(b.x);
  free(b.act);
  free(b.act_bits);
  free(b.sign_bits);
  free(b.sign);
  free(b.dy);
  free(b.out);
  par_shutdown();
  return 0;
}
