/* trace.h — a scope on single binary weights: for up to TRACE_MAX chosen
 * weights, each step's gradient, the optimizer's own state for each, the same
 * state in filter units with the flip threshold, and the sign.
 *
 * The trainer copies these few values after the optimizer step of every step
 * (trace_capture), reading whatever optimizer runs then, so a trace carries
 * on across a change of settings or an optimizer switch. Nothing is
 * allocated; the cost is a handful of loads per traced weight and step.
 *
 * Filter units (the field `filter`): the value whose sign decides the binary
 * weight, as a filter output y: CEMA's i, IIR's y, Bop's m, Bop2's ratio
 * m / (sqrt(v) + 1e-10) (its unbiased form with the rates), and -k w for a
 * latent weight w (k as filter_latent_k). In every case b flips to -sign(y)
 * where b y > threshold (tau for Bop and Bop2, else 0).
 */
#ifndef FLIPSCOPE_TRACE_H
#define FLIPSCOPE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/optim.h"

#define TRACE_MAX 8       /* traced weights in total */
#define TRACE_STATES 3    /* optimizer states recorded per weight */

/* One traced weight: flat index (row * in + col) in binary layer `layer`. */
typedef struct {
  uint32_t layer, index;
} TraceRef;

/* What to trace: `per_layer` seeded random weights in every layer, or (with
 * per_layer 0) the n weights in ref, in the order given. */
typedef struct {
  unsigned per_layer;
  size_t n;
  TraceRef ref[TRACE_MAX];
} TraceSpec;

/* The values of one step. */
typedef struct {
  uint64_t step;                  /* 1-based; 0: none captured yet */
  OptKind kind;                   /* the optimizer that ran this step */
  int states;                     /* states recorded (trace_state_name) */
  float threshold;                /* flip where sign * filter > threshold */
  size_t n;
  TraceRef ref[TRACE_MAX];
  float grad[TRACE_MAX];          /* dL/db this step */
  float state[TRACE_MAX][TRACE_STATES];
  float filter[TRACE_MAX];        /* filter units (see above) */
  int8_t sign[TRACE_MAX];         /* +1 / -1 after the step */
} TraceSnapshot;

/* Turns spec into weights of model m: a random spec is drawn from (seed,
 * RNG_STREAM_TRACE), distinct and ascending within each layer. Returns 0, or
 * -1 with *bad the element of spec at fault (a layer or index out of range;
 * for a random spec, *bad = 0 when per_layer times the layers exceeds
 * TRACE_MAX or a layer has fewer weights than per_layer). */
int trace_resolve(const TraceSpec *spec, const Model *m, uint64_t seed, TraceSnapshot *out,
                  size_t *bad);

/* Copies the traced weights' values after the optimizer step of `step`,
 * which ran with the scheduled rate `rate`. */
void trace_capture(TraceSnapshot *t, uint64_t step, double rate, const Model *m,
                   const Optimizer *opt);

/* The name of state s (< t->states) of kind: "m", "i", "v", "w", "buf", "y". */
const char *trace_state_name(OptKind kind, int s);

#endif
