/* optim.h — one interface for every optimizer of binary weights.
 *
 * An optimizer owns per-weight state (latent weights, momenta, filter states)
 * for each binary layer. A step reads the gradient g = dL/db of the layer's
 * binary weights b (+-1 floats), updates its state and b in place, and returns
 * how many weights flipped. The state that decides the sign — the latent
 * weight of a latent optimizer, the filter output of CEMA/Bop/IIR — is exposed
 * under one name, the weight's *inertia*.
 */
#ifndef FLIPSCOPE_OPTIM_H
#define FLIPSCOPE_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/optim_types.h"
#include "engine/schedule.h"

typedef struct {
  OptKind kind;
  const char *name;
  int states;          /* per-weight state arrays */
  int inertia_state;   /* which of them is the inertia */
  int latent;          /* 1: state[inertia_state] is a latent weight w (b = sign(w)) */
  /* The schedule of the scheduled rate when --schedule is not given: CEMA
   * decays alpha linearly per epoch (the authors' code), Bop and Bop2 keep
   * gamma constant (Larq's default), latent SGD/Adam decay lr linearly, IIR
   * has no rate. */
  ScheduleKind default_schedule;
  /* The setting (engine/settings.h) the schedule scales: "alpha", "gamma",
   * "lr"; NULL when there is none (IIR). */
  const char *scheduled;
  /* Refuses settings the kernel cannot run (an unstable filter...): -1 with
   * one line in err that starts with the setting (error_setting("poles")).
   * NULL: every setting in its range is accepted. */
  int (*check)(const OptConfig *cfg, char *err, size_t errlen);
  /* Filter optimizers: sets the state of weights [0, n) so the filter output
   * (the inertia) is -s b, as if a constant gradient had always held it
   * there. NULL: the state stays zero. */
  void (*init)(const OptConfig *cfg, float s, const float *sign, float *const *state, size_t n);
} OptimizerOps;

const OptimizerOps *optim_ops(OptKind kind);
/* "cema", "adam", ... -> kind, or -1. */
int optim_parse_kind(const char *name);
/* Fills cfg with the defaults for `kind` (engine/settings.h). */
void optim_defaults(OptKind kind, OptConfig *cfg);
/* The base value of the rate the schedule scales (lr, alpha, or gamma for
 * bop; 1 for iir), and setting it. */
double optim_base_rate(const OptConfig *cfg);
void optim_set_base_rate(OptConfig *cfg, double rate);
/* 0 when optim_create would accept cfg, else ERR_USAGE (engine/error.h) with
 * one line in err that starts with the setting at fault (engine/settings.h):
 * each setting in its range, and together a stable filter. */
int optim_check(const OptConfig *cfg, char *err, size_t errlen);

typedef struct Optimizer Optimizer;

/* Allocates state for `layers` layers of sizes[l] weights. All state starts at
 * zero except a latent weight, w0 = b * U(0, init_scale) drawn from `seed`,
 * and, with state_init S > 0, a filter's state: its output starts at -S b
 * (CEMA: m0 = i0 = -S b; Bop, Bop2: m0 = -S b), the filter view of a latent
 * initialisation, so b keeps its sign until the gradients outweigh S.
 * Latent optimizers flip b where w * b < 0, so a zero w keeps its sign.
 * Returns NULL with a message in err on failure. */
Optimizer *optim_create(const OptConfig *cfg, size_t layers, const size_t *sizes,
                        const float *const *signs, uint64_t seed, char *err, size_t errlen);
void optim_free(Optimizer *o);

/* Starts a new step (advances t) with the scheduled rate. */
void optim_begin_step(Optimizer *o, double rate);
/* Updates layer `layer`'s state and signs from its gradient; returns flips.
 * Splits the layer over the thread pool. */
size_t optim_step_layer(Optimizer *o, size_t layer, float *sign, const float *grad);
/* The same on weights [begin, end) of the layer only, on the calling thread
 * (for callers that already run in parallel on disjoint ranges). */
size_t optim_step_range(Optimizer *o, size_t layer, float *sign, const float *grad, size_t begin,
                        size_t end);

const OptConfig *optim_config(const Optimizer *o);
/* Changes hyperparameters of the same kind between steps (live retuning);
 * check them with optim_check first. */
void optim_set_config(Optimizer *o, const OptConfig *cfg);
const float *optim_inertia(const Optimizer *o, size_t layer);
float *const *optim_state(const Optimizer *o, size_t layer);
uint64_t optim_steps(const Optimizer *o);
size_t optim_layers(const Optimizer *o);
size_t optim_layer_size(const Optimizer *o, size_t layer);

/* For rebuilding an optimizer in place (optim_switch): sets the step count
 * (so SGD's first-step rule and Adam's bias correction continue), and
 * exchanges the whole contents of two optimizers. */
void optim_set_steps(Optimizer *o, uint64_t t);
void optim_swap(Optimizer *a, Optimizer *b);

/* Switching optimizers mid-run (optim_switch.c). */
typedef struct {
  int exact;          /* 1: the binary trajectory continues exactly as under the old optimizer */
  char message[320];  /* what was mapped, or what was kept and what was reset */
} OptSwitch;

/* Replaces o's optimizer by one configured by `to`, in place (pointers to o
 * stay valid), mapping the state so the binary weights `signs` (one array per
 * layer) are kept. Exact mappings (docs/science.md section 2): latent SGD with a
 * CEMA equivalent <-> that CEMA (i = -k w, m from the momentum buffer),
 * Bop(tau = 0) <-> CEMA(alpha = 1), and the same optimizer kind. Anything
 * else is approximate: the inertia's sign (and a scaled magnitude) is kept,
 * other state starts from zero; out->message says which.
 * Returns 0, or -1 with err set and o unchanged. */
int optim_switch(Optimizer *o, const OptConfig *to, const float *const *signs, OptSwitch *out,
                 char *err, size_t errlen);

/* The rule optim_switch applies: whether switching from `from`, whose
 * optimizer has run t steps, to `to` is exact, and what the state map does
 * (out->message). Returns 0, or -1 with err set when either setting is refused. */
int optim_switch_verdict(const OptConfig *from, const OptConfig *to, uint64_t t, OptSwitch *out,
                         char *err, size_t errlen);

/* The settings to switch to when `kind` is picked while `from` runs (its
 * optimizer after t steps): the exact equivalent where one exists (latent
 * SGD + wd <-> its CEMA, CEMA(alpha = 1) <-> Bop(tau = 0), `from` itself for
 * its own kind), else kind's defaults with what carries over; and in verdict
 * what optim_switch will say of switching to them (exact, message). */
void optim_switch_target(const OptConfig *from, OptKind kind, uint64_t t, OptConfig *to,
                         OptSwitch *verdict);

#endif
