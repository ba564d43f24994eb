/* optim.c — the optimizer registry, per-layer state, and the parallel step. */
#include "engine/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/error.h"
#include "engine/kernels.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/settings.h"

#define OPT_MAX_STATES 4

extern const OptimizerOps optim_cema_ops, optim_adam_ops, optim_adamw_ops, optim_sgd_ops,
    optim_bop_ops, optim_bop2_ops, optim_iir_ops;

static const OptimizerOps *const registry[] = {&optim_cema_ops, &optim_adam_ops, &optim_adamw_ops,
                                               &optim_sgd_ops,  &optim_bop_ops,  &optim_bop2_ops,
                                               &optim_iir_ops};

const OptimizerOps *optim_ops(OptKind kind) {
  for (size_t r = 0; r < sizeof registry / sizeof *registry; r++)
    if (registry[r]->kind == kind) return registry[r];
  return NULL;
}

int optim_parse_kind(const char *name) {
  for (size_t r = 0; r < sizeof registry / sizeof *registry; r++)
    if (strcmp(registry[r]->name, name) == 0) return (int)registry[r]->kind;
  return -1;
}

void optim_defaults(OptKind kind, OptConfig *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->kind = kind;
  size_t n;
  const OptSetting *table = settings_table(&n);
  for (size_t i = 0; i < n; i++) setting_set(&table[i], cfg, setting_default(&table[i], kind));
  cfg->iir_sections = 2; /* the cascade of the table's two default poles */
}

double optim_base_rate(const OptConfig *cfg) {
  const char *name = optim_ops(cfg->kind)->scheduled;
  return name ? setting_get(setting_lookup(name, strlen(name)), cfg) : 1.0;
}

void optim_set_base_rate(OptConfig *cfg, double rate) {
  const char *name = optim_ops(cfg->kind)->scheduled;
  if (name) setting_set(setting_lookup(name, strlen(name)), cfg, rate);
}

/* -1 with "NAME: expected RANGE (WHY), got V" when a setting of cfg's
 * optimizer is outside its range (the IIR lists: their kind's check). */
static int check_ranges(const OptConfig *cfg, char *err, size_t errlen) {
  size_t n;
  const OptSetting *table = settings_table(&n);
  for (size_t i = 0; i < n; i++) {
    const OptSetting *t = &table[i];
    if (t->element || !setting_applies(t, cfg) || setting_accepts(t, setting_get(t, cfg))) continue;
    char range[64];
    setting_range_text(t, range, sizeof range);
    snprintf(err, errlen, "%s: expected a finite number %s%s%s%s, got %g",
             error_setting(t->name).text, range,
             t->why ? " (" : "",
             t->why ? t->why : "", t->why ? ")" : "", setting_get(t, cfg));
    return -1;
  }
  return 0;
}

/* Settings under which latent SGD cannot do its job although each is in its
 * range: its decay pole 1 - lr wd (with momentum mu: the poles of
 * z^2 - (1 + mu - (1 - dampening) lr wd) z + mu) must stay inside the unit
 * circle. docs/science.md derives the poles. */
static int check_stable(const OptConfig *c, char *err, size_t errlen) {
  if (c->kind != OPT_SGD && c->kind != OPT_ADAMW) return 0;
  int decoupled = c->kind == OPT_ADAMW || c->decoupled_wd;
  double mu = !decoupled ? c->momentum : 0;
  double decay = c->lr * c->wd * (!decoupled ? 1 - c->dampening : 1);
  if (decay < 2 * (1 + mu)) return 0;
  snprintf(err, errlen, "%s: lr x wd = %g makes the latent weights' filter unstable (a pole "
           "outside the unit circle; it must stay below %g)", error_setting("wd").text,
           c->lr * c->wd, 2 * (1 + mu));
  return -1;
}

int optim_check(const OptConfig *cfg, char *err, size_t errlen) {
  const OptimizerOps *ops = optim_ops(cfg->kind);
  if (!ops) {
    snprintf(err, errlen, "%s: optimizer %d is not available", error_setting("opt").text,
             (int)cfg->kind);
    return ERR_USAGE;
  }
  if (check_ranges(cfg, err, errlen) || check_stable(cfg, err, errlen)) return ERR_USAGE;
  return ops->check && ops->check(cfg, err, errlen) ? ERR_USAGE : 0;
}

struct Optimizer {
  OptConfig cfg;
  const OptimizerOps *ops;
  size_t layers;
  size_t *sizes;
  float **state;     /* layers x ops->states arrays, one allocation each */
  uint64_t t;
  double rate;
};

void optim_free(Optimizer *o) {
  if (!o) return;
  if (o->state)
    for (size_t s = 0; s < o->layers * (size_t)o->ops->states; s++) free(o->state[s]);
  free(o->state);
  free(o->sizes);
  free(o);
}

Optimizer *optim_create(const OptConfig *cfg, size_t layers, const size_t *sizes,
                        const float *const *signs, uint64_t seed, char *err, size_t errlen) {
  if (optim_check(cfg, err, errlen)) return NULL;
  const OptimizerOps *ops = optim_ops(cfg->kind);
  Optimizer *o = calloc(1, sizeof *o);
  if (!o) goto oom;
  o->cfg = *cfg;
  o->ops = ops;
  o->layers = layers;
  o->sizes = calloc(layers, sizeof *o->sizes);
  o->state = calloc(layers * (size_t)ops->states, sizeof *o->state);
  if (!o->sizes || !o->state) goto oom;
  Rng rng;
  rng_seed(&rng, seed, RNG_STREAM_LATENT);
  for (size_t l = 0; l < layers; l++) {
    o->sizes[l] = sizes[l];
    for (int s = 0; s < ops->states; s++) {
      float *a = calloc(sizes[l] ? sizes[l] : 1, sizeof *a);
      if (!a) goto oom;
      o->state[l * (size_t)ops->states + (size_t)s] = a;
    }
    if (ops->latent) {
      float *w = o->state[l * (size_t)ops->states + (size_t)ops->inertia_state];
      const float scale = (float)cfg->init_scale;
      for (size_t j = 0; j < sizes[l]; j++) w[j] = signs[l][j] * rng_uniform(&rng) * scale;
    }
    if (ops->init && cfg->state_init > 0)
      ops->init(cfg, (float)cfg->state_init, signs[l], optim_state(o, l), sizes[l]);
  }
  return o;
oom:
  optim_free(o);
  snprintf(err, errlen, "out of memory allocating optimizer state");
  return NULL;
}

void optim_begin_step(Optimizer *o, double rate) {
  o->t++;
  o->rate = rate;
}

typedef struct {
  Optimizer *o;
  OptStepArgs args;
  float *sign;
  const float *grad;
  float *const *state;
  size_t flips[PAR_MAX_THREADS];
  size_t chunk;
} StepJob;

static void step_chunk(void *ctx, size_t begin, size_t end) {
  StepJob *job = ctx;
  job->flips[begin / job->chunk] =
      kernels()->opt_step[job->o->ops->kind](&job->args, job->sign, job->grad, job->state, begin, end);
}

size_t optim_step_layer(Optimizer *o, size_t layer, float *sign, const float *grad) {
  StepJob job = {.o = o,
                 .args = {.cfg = &o->cfg, .rate = o->rate, .t = o->t},
                 .sign = sign,
                 .grad = grad,
                 .state = optim_state(o, layer)};
  size_t n = o->sizes[layer];
  job.chunk = par_chunk(n, 64);
  par_for(n, 64, step_chunk, &job);
  size_t flips = 0;
  for (size_t c = 0; c * job.chunk < n; c++) flips += job.flips[c];
  return flips;
}

size_t optim_step_range(Optimizer *o, size_t layer, float *sign, const float *grad, size_t begin,
                        size_t end) {
  OptStepArgs args = {.cfg = &o->cfg, .rate = o->rate, .t = o->t};
  return kernels()->opt_step[o->ops->kind](&args, sign, grad, optim_state(o, layer), begin, end);
}

const OptConfig *optim_config(const Optimizer *o) { return &o->cfg; }
void optim_set_config(Optimizer *o, const OptConfig *cfg) {
  if (cfg->kind == o->cfg.kind) o->cfg = *cfg;
}
const float *optim_inertia(const Optimizer *o, size_t layer) {
  return o->state[layer * (size_t)o->ops->states + (size_t)o->ops->inertia_state];
}
float *const *optim_state(const Optimizer *o, size_t layer) {
  return &o->state[layer * (size_t)o->ops->states];
}
uint64_t optim_steps(const Optimizer *o) { return o->t; }
size_t optim_layers(const Optimizer *o) { return o->layers; }
size_t optim_layer_size(const Optimizer *o, size_t layer) { return o->sizes[layer]; }
void optim_set_steps(Optimizer *o, uint64_t t) { o->t = t; }
void optim_swap(Optimizer *a, Optimizer *b) {
  Optimizer tmp = *a;
  *a = *b;
  *b = tmp;
}
