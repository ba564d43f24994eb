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
  const double budget_ns = 0.15 * step_ms * 1e6 / (double)weights;
  char baseline[96];
  snprintf(baseline, sizeof baseline, "15%% of a W1 training step of %.2f ms (%.3f ns/weight)",
           step_ms, budget_ns);
  fprintf(stderr, "optimizer step on W1 (%zu weights); budget %s\n", weights, baseline);
  fprintf(stderr, "%-8s %8s %12s %10s %8s\n", "opt", "threads", "ns/weight", "ms/step", "ratio");
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
      fprintf(stderr, "%-8s %8d %12.3f %10.3f %8.2f\n", ops->name, threads, ns, 1e3 * s, budget_ns / ns);
      printf("{\"bench\":\"optim_%s\",\"ns_per_weight\":%.4f,\"threads\":%d,\"baseline\":\"%s\","
             "\"ratio\":%.3f}\n",
             ops->name, ns, threads, baseline, budget_ns / ns);
    }
  }
  par_shutdown();
  for (size_t l = 0; l < LAYERS; l++) {
    free(sign[l]);
    free(grad[l]);
  }
  return 0;
}
