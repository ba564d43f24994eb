/* bench_trace.c — the cost of tracing 8 weights (engine/trace.h) on the W1
 * model (784x1024 + 1024x1024 + 1024x10), per optimizer: the capture that
 * runs after each step's optimizer step, timed alone so machine load does
 * not drown it (bench/trace.sh measures the whole run).
 *
 *   build/bench/bench_trace [--step-ms X]
 *
 * Prints a table on stderr and one JSON object per optimizer on stdout:
 * {"bench":"trace_<name>","ns_per_step":…,"baseline":"…","ratio":…}. The
 * baseline is the budget: 1 % of a W1 training step of X ms (default
 * 6.0); ratio = budget / cost, so ratio > 1 means it fits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/optim.h"
#include "engine/trace.h"

enum { LAYERS = 3, CAPTURES = 20000 };
static const size_t ins[LAYERS] = {784, 1024, 1024}, outs[LAYERS] = {1024, 1024, 10};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Nanoseconds per capture of the 8 weights of t under kind's defaults: the
 * best of 5 rounds of CAPTURES captures. */
static double time_captures(OptKind kind, const Model *m, TraceSnapshot *t) {
  char err[256];
  OptConfig cfg;
  optim_defaults(kind, &cfg);
  size_t sizes[LAYERS];
  const float *signs[LAYERS];
  for (size_t l = 0; l < LAYERS; l++) sizes[l] = ins[l] * outs[l], signs[l] = m->layer[l].sign;
  Optimizer *o = optim_create(&cfg, LAYERS, sizes, signs, 1, err, sizeof err);
  if (!o) {
    fprintf(stderr, "bench_trace: %s\n", err);
    exit(1);
  }
  double best = 1e30;
  for (int round = 0; round < 5; round++) {
    double t0 = now_s();
    for (int s = 0; s < CAPTURES; s++) trace_capture(t, (uint64_t)s + 1, optim_base_rate(&cfg), m, o);
    double dt = (now_s() - t0) / CAPTURES;
    if (dt < best) best = dt;
  }
  optim_free(o);
  return 1e9 * best;
}

int main(int argc, char **argv) {
  double step_ms = 6.0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--step-ms") && i + 1 < argc) step_ms = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_trace [--step-ms X]\n");
      return 2;
    }
  }
  if (step_ms <= 0) {
    fprintf(stderr, "bench_trace: --step-ms must be > 0\n");
    return 2;
  }
  Model m = {.n_layers = LAYERS};
  for (size_t l = 0; l < LAYERS; l++) {
    Layer *L = &m.layer[l];
    L->in = ins[l], L->out = outs[l];
    L->sign = malloc(ins[l] * outs[l] * sizeof(float));
    L->grad = calloc(ins[l] * outs[l], sizeof(float));
    if (!L->sign || !L->grad) {
      fprintf(stderr, "bench_trace: out of memory\n");
      return 1;
    }
    for (size_t j = 0; j < ins[l] * outs[l]; j++) L->sign[j] = j % 3 ? 1.0f : -1.0f;
  }
  TraceSpec spec = {.n = 8, .ref = {{0, 17}, {0, 4242}, {0, 500000}, {1, 9}, {1, 77777},
                                    {1, 1048575}, {2, 3}, {2, 10239}}};
  TraceSnapshot t;
  size_t bad;
  if (trace_resolve(&spec, &m, 1, &t, &bad)) {
    fprintf(stderr, "bench_trace: element %zu is not a W1 weight\n", bad + 1);
    return 1;
  }
  const double budget_ns = 0.01 * step_ms * 1e6;
  char baseline[96];
  snprintf(baseline, sizeof baseline, "1%% of a W1 training step of %.2f ms (%.0f ns)", step_ms,
           budget_ns);
  fprintf(stderr, "capture of 8 traced W1 weights per step; budget %s\n", baseline);
  fprintf(stderr, "%-8s %12s %8s\n", "opt", "ns/step", "ratio");
  for (int k = 0; k < OPT_KIND_COUNT; k++) {
    const OptimizerOps *ops = optim_ops((OptKind)k);
    if (!ops) continue;
    double ns = time_captures((OptKind)k, &m, &t);
    fprintf(stderr, "%-8s %12.1f %8.0f\n", ops->name, ns, budget_ns / ns);
    printf("{\"bench\":\"trace_%s\",\"ns_per_step\":%.1f,\"baseline\":\"%s\",\"ratio\":%.1f}\n",
           ops->name, ns, baseline, budget_ns / ns);
  }
  for (size_t l = 0; l < LAYERS; l++) {
    free(m.layer[l].sign);
    free(m.layer[l].grad);
  }
  return 0;
}
