/* numcheck.h — cheap checks that training has not produced NaN or infinity.
 *
 * Every step (a few vectors of one value per unit): each layer's batch-norm
 * parameters, running statistics, 1/std and parameter gradients. A NaN or
 * infinity reaching a layer's dL/dh comes through these (dshift sums the
 * incoming gradient, dscale weighs it by xhat, and scale and 1/std multiply
 * it), so the step and layer where the binary-weight gradient (dL/dh^T times
 * inputs that are +-1 or finite data) goes bad are named exactly.
 * Every NUMCHECK_EVERY steps and at the last step, full scans: each layer's
 * dL/dh, every optimizer state array and the batch-norm Adam state, which a
 * finite gradient can still drive to infinity (a huge lr). Cost, measured
 * on mlp:1024x1024 with batch 100: about 0.35% of training time.
 * Messages name the step and the layer (0-based, as in the CSV log).
 */
#ifndef FLIPSCOPE_NUMCHECK_H
#define FLIPSCOPE_NUMCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/optim.h"
#include "engine/real_adam.h"

#define NUMCHECK_EVERY 32

/* The index of the first NaN or infinity in x[0..n), or n when there is none. */
size_t numcheck_first_bad(const float *x, size_t n);

/* After the backward pass of B rows of step `step`; full: also scan dL/dh.
 * 0, or -1 with a message. */
int numcheck_backward(const Model *m, size_t B, uint64_t step, int full, char *err,
                      size_t errlen);

/* The optimizer's and the batch-norm Adam's state (either may be NULL). */
int numcheck_state(const Model *m, const Optimizer *o, const RealAdam *ra, uint64_t step,
                   char *err, size_t errlen);

/* After a non-finite loss: "layer L's output is the first that is not
 * finite" (or what else it found) into buf, for the message. */
void numcheck_forward_culprit(const Model *m, size_t B, char *buf, size_t len);

#endif
