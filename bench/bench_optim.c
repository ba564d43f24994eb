/* bench_optim.c — the step cost of every binary-weight optimizer on the W1
 * model's 1.86 M weights (784x1024 + 1024x1024 + 1024x10), 1 and 2 threads.
 *
 *   build/bench/bench_optim [--step-ms X] [--steps N]
 *
 * Prints a table on stderr and one JSON object per optimizer and thread count
 * on stdout: {"bench":"optim_<name>","ns_per_weight":…,"threads":…,
 * "baseline":"…","ratio":…}. The baseline is the budget for CEMA:
 * 15 % of a W1 training step of X ms (default 6.0); ratio = budget / cost,
 * so ratio > 1 means the step fits the budget.
 *
 * The step is memory bound, so each object also gives the bytes it moves per
 * weight (the gradient and the sign read, each state read and written:
 * 8 + 8 x the states it uses; the few flipped signs' writes are left out),
 * its rate in GB/s, and copy_gb_per_s: a plain loop copying the same number
 * of bytes (half read, half written) with ordinary stores, split over the
 * same threads and timed in the same way in the same run (glibc's memcpy
 * streams around the cache above a size threshold, which the optimizer's
 * stores do not, so it would compare unlike with like). bandwidth_share =
 * the step's GB/s / the copy's, 1 meaning the step runs at copy speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/optim.h"
#include "engine/parallel.h"
#include "engine/rng.h"

enum { LAYERS = 3 };
static const size_t sizes[LAYERS] = {784 * 1024, 1024 * 1024, 1024 * 10};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The settings timed: each kind's defaults; SGD with PyTorch momentum and decay. */
static OptConfig bench_config(OptKind kind) {
  OptConfig c;
  optim_defaults(kind, &c);
  if (kind == OPT_SGD) {
    c.momentum = 0.9;
    c.wd = 5e-4;
  }
  return c;
}

/* Floats [begin, end) of one buffer copied into another, a slice per thread. */
typedef struct {
  float *dst;
  const float *src;
} Copy;

static void copy_slice(void *ctx, size_t begin, size_t end) {
  const Copy *c = ctx;
  float *restrict dst = c->dst;
  const float *restrict src = c->src;
  for (size_t j = begin; j < end; j++) dst[j] = src[j];
}

/* Seconds per copy of `bytes` bytes (as many read as written): the best of 5
 * rounds after one that warms up, as time_steps does. */
static double time_copy(Copy *c, size_t bytes, int steps) {
  double best = 1e30;
  for (int round = 0; round < 6; round++) {
    double t0 = now_s();
    for (int s = 0; s < steps; s++) par_for(bytes / sizeof(float), 1024, copy_slice, c);
    double dt = (now_s() - t0) / steps;
    if (round > 0 && dt < best) best = dt;
  }
  return best;
}

/* The state arrays a step of cfg reads and writes (an IIR filter only its
 * sections', or the biquad's three). */
static size_t states_used(const OptConfig *cfg, const OptimizerOps *ops) {
  if (cfg->kind != OPT_IIR) return (size_t)ops->states;
  return cfg->iir_biquad ? 3 : (size_t)cfg->iir_sections;
}

/* Seconds per optimizer step: the best of 5 rounds of `steps` steps. */
static double time_steps(const OptConfig *cfg, float **sign, float **grad, int steps) {
  char err[256];
  Optimizer *o = optim_create(cfg, LAYERS, sizes, (const float *const *)sign, 1, err, sizeof err);
  if (!o) {
    fprintf(stderr, "bench_optim: %s\n", err);
    exit(1);
  }
  double best = 1e30;
  for (int round = 0; round < 6; round++) {
    double t0 = now_s();
    for (int s = 0; s < steps; s++) {
      optim_begin_step(o, optim_base_rate(cfg));
      for (size_t l = 0; l < LAYERS; l++) optim_step_layer(o, l, sign[l], grad[l]);
    }
    double dt = (now_s() - t0) / steps;
    if (round > 0 && dt < best) best = dt; /* round 0 warms up (first touch of the state) */
  }
  optim_free(o);
  return best;
}

int main(int argc, char **argv) {
  double step_ms = 6.0;
  int steps = 10;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--step-ms") && i + 1 < argc) step_ms = atof(argv[++i]);
    else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_optim [--step-ms X] [--steps N]\n");
      return 2;
    }
  }
  if (step_ms <= 0 || steps < 1) {
    fprintf(stderr, "bench_optim: --step-ms must be > 0 and --steps >= 1\n");
    return 2;
  }
  size_t weights = 0;
  float *sign[LAYERS], *grad[LAYERS];
  Rng rng;
  rng_seed(&rng, 1, RNG_STREAM_DATA);
  for (size_t l = 0; l < LAYERS; l++) {
    sign[l] = malloc(sizes[l] * sizeof(float));
    grad[l] = malloc(sizes[l] * sizeof(float));
    if (!sign[l] || !grad[l]) {
      fprintf(stderr, "bench_optim: out of memory\n");
      return 1;
    }
    for (size_t j = 0; j < sizes[l]; j++) {
      sign[l][j] = rng_next(&rng) >> 63 ? 1.0f : -1.0f;
      grad[l][j] = 1e-3f * (float)rng_normal(&rng);
    }
    weights += sizes[l];
  }
  /* The copy buffers: the most bytes a step moves, half each. */
  size_t copy_cap = 0;
  for (int k = 0; k < OPT_KIND_COUNT; k++)
    if (optim_ops((OptKind)k)) {
      OptConfig cfg = bench_config((OptKind)k);
      size_t b = (8 + 8 * states_used(&cfg, optim_ops((OptKind)k))) * weights / 2;
      if (b > copy_cap) copy_cap = b;
    }
  Copy copy = {malloc(copy_cap), malloc(copy_cap)};
  if (!copy.dst || !copy.src) {
    fprintf(stderr, "bench_optim: out of memory\n");
    return 1;
  }
  memset(copy.dst, 0, copy_cap);
  memset((float *)copy.src, 1, copy_cap);
  const double budget_ns = 0.15 * step_ms * 1e6 / (double)weights;
  char baseline[96];
  snprintf(baseline, sizeof baseline, "15%% of a W1 training step of %.2f ms (%.3f ns/weight)",
           step_ms, budget_ns);
  fprintf(stderr, "optimizer step on W1 (%zu weights); budget %s\n", weights, baseline);
  fprintf(stderr, "%-8s %8s %12s %10s %8s %11s %8s %11s %8s\n", "opt", "threads", "ns/weight",
          "ms/step", "ratio", "bytes/wt", "GB/s", "copy GB/s", "share");
  for (int threads = 1; threads <= 2; threads++) {
    if (par_init(threads)) {
      fprintf(stderr, "bench_optim: cannot start %d threads\n", threads);
      return 1;
    }
    for (int k = 0; k < OPT_KIND_COUNT; k++) {
      const OptimizerOps *ops = optim_ops((OptKind)k);
      if (!ops) continue;
      OptConfig cfg = bench_config((OptKind)k);
      double s = time_steps(&cfg, sign, grad, steps), ns = 1e9 * s / (double)weights;
      size_t per_weight = 8 + 8 * states_used(&cfg, ops), bytes = per_weight * weights;
      double gbs = (double)bytes / s * 1e-9;
      double copy_gbs = (double)(bytes / 2 * 2) / time_copy(&copy, bytes / 2, steps) * 1e-9;
      fprintf(stderr, "%-8s %8d %12.3f %10.3f %8.2f %11zu %8.1f %11.1f %8.2f\n", ops->name, threads,
              ns, 1e3 * s, budget_ns / ns, per_weight, gbs, copy_gbs, gbs / copy_gbs);
      printf("{\"bench\":\"optim_%s\",\"ns_per_weight\":%.4f,\"threads\":%d,"
             "\"bytes_per_weight\":%zu,\"gb_per_s\":%.2f,\"copy_gb_per_s\":%.2f,"
             "\"bandwidth_share\":%.3f,\"baseline\":\"%s\",\"ratio\":%.3f}\n",
             ops->name, ns, threads, per_weight, gbs, copy_gbs, gbs / copy_gbs, baseline,
             budget_ns / ns);
    }
  }
  par_shutdown();
  free(copy.dst);
  free((float *)copy.src);
  for (size_t l = 0; l < LAYERS; l++) {
    free(sign[l]);
    free(grad[l]);
  }
  return 0;
}
