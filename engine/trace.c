/* trace.c — the values of a few chosen binary weights, step by step (trace.h). */
#include "engine/trace.h"

#include <math.h>
#include <string.h>

#include "engine/filter.h"
#include "engine/rng.h"

/* The recorded states of each optimizer kind: their names, in state order
 * (optim_cema.c, optim_bop.c, optim_sgd.c, optim_adam.c, optim_iir.c). */
static const char *const state_names[OPT_KIND_COUNT][TRACE_STATES] = {
    [OPT_CEMA] = {"m", "i"},      [OPT_BOP] = {"m"},           [OPT_BOP2] = {"m", "v"},
    [OPT_SGD] = {"w", "buf"},     [OPT_ADAM] = {"w", "m", "v"}, [OPT_ADAMW] = {"w", "m", "v"},
    [OPT_IIR] = {"y"}};

const char *trace_state_name(OptKind kind, int s) {
  return kind < OPT_KIND_COUNT && s >= 0 && s < TRACE_STATES ? state_names[kind][s] : NULL;
}

static int state_count(OptKind kind) {
  int n = 0;
  while (n < TRACE_STATES && state_names[kind][n]) n++;
  return n;
}

/* per_layer distinct weights of each layer, ascending, from (seed, RNG_STREAM_TRACE). */
static int resolve_random(unsigned per_layer, const Model *m, uint64_t seed, TraceSnapshot *out) {
  if ((size_t)per_layer * m->n_layers > TRACE_MAX) return -1;
  Rng rng;
  rng_seed(&rng, seed, RNG_STREAM_TRACE);
  for (size_t l = 0; l < m->n_layers; l++) {
    size_t weights = m->layer[l].in * m->layer[l].out, first = out->n;
    if (weights < per_layer) return -1;
    while (out->n < first + per_layer) {
      uint32_t idx = (uint32_t)rng_below(&rng, weights);
      size_t at = first;
      while (at < out->n && out->ref[at].index < idx) at++;
      if (at < out->n && out->ref[at].index == idx) continue; /* drawn before */
      memmove(&out->ref[at + 1], &out->ref[at], (out->n - at) * sizeof *out->ref);
      out->ref[at] = (TraceRef){(uint32_t)l, idx};
      out->n++;
    }
  }
  return 0;
}

int trace_resolve(const TraceSpec *spec, const Model *m, uint64_t seed, TraceSnapshot *out,
                  size_t *bad) {
  memset(out, 0, sizeof *out);
  *bad = 0;
  if (spec->per_layer) {
    if (resolve_random(spec->per_layer, m, seed, out) == 0) return 0;
    memset(out, 0, sizeof *out);
    return -1;
  }
  for (size_t k = 0; k < spec->n && k < TRACE_MAX; k++) {
    const TraceRef *r = &spec->ref[k];
    if (r->layer >= m->n_layers || r->index >= m->layer[r->layer].in * m->layer[r->layer].out) {
      memset(out, 0, sizeof *out);
      *bad = k;
      return -1;
    }
    out->ref[out->n++] = *r;
  }
  return 0;
}

/* Bop2's ratio, as its step compares it with tau (optim_steps.h). */
static float bop2_ratio(const OptConfig *cfg, double rate, float m, float v) {
  const float gamma = (float)rate, sigma = (float)cfg->sigma;
  if (cfg->unbiased) return (m / gamma) / (sqrtf(v / sigma) + 1e-10f);
  return m / (sqrtf(v) + 1e-10f);
}

void trace_capture(TraceSnapshot *t, uint64_t step, double rate, const Model *m,
                   const Optimizer *opt) {
  const OptConfig *cfg = optim_config(opt);
  const OptimizerOps *ops = optim_ops(cfg->kind);
  const double scale = filter_inertia_scale(cfg); /* y = scale x of the inertia x; Bop2 on its own */
  t->step = step;
  t->kind = cfg->kind;
  t->states = state_count(cfg->kind);
  t->threshold = cfg->kind == OPT_BOP || cfg->kind == OPT_BOP2 ? (float)cfg->tau : 0.0f;
  for (size_t k = 0; k < t->n; k++) {
    const TraceRef *r = &t->ref[k];
    float *const *state = optim_state(opt, r->layer);
    for (int s = 0; s < t->states; s++) t->state[k][s] = state[s][r->index];
    t->grad[k] = m->layer[r->layer].grad[r->index];
    t->sign[k] = m->layer[r->layer].sign[r->index] > 0 ? 1 : -1;
    t->filter[k] = cfg->kind == OPT_BOP2
                       ? bop2_ratio(cfg, rate, state[0][r->index], state[1][r->index])
                       : (float)(scale * state[ops->inertia_state][r->index]);
  }
}
