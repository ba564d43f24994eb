/* trainer.h — the one training loop behind the TUI and headless runs.
 *
 * Each call to trainer_step takes one mini-batch (augmented when asked,
 * engine/augment.h) through forward, loss, backward and both optimizers
 * (binary weights, batch-norm parameters), and reports what happened. Epochs
 * reshuffle the training split (seeded). Evaluation never augments.
 */
#ifndef FLIPSCOPE_TRAINER_H
#define FLIPSCOPE_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/data.h"
#include "engine/error.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/real_adam.h"
#include "engine/rng.h"
#include "engine/schedule.h"
#include "engine/telemetry.h"
#include "engine/trace.h"

typedef struct {
  size_t batch;
  size_t epochs;      /* planned epochs; 0 when only max_steps is given */
  size_t max_steps;   /* 0: epochs * steps_per_epoch */
  size_t eval_every;  /* also evaluate every N steps; 0: only at epoch ends */
  Schedule schedule;
  double real_lr;     /* Adam rate of the batch-norm parameters (same schedule) */
  uint64_t seed;
  Precision precision; /* of the real-valued products' inputs (matmul.h); 0: fp32.
                          Weights, batch norm, optimizer state and loss stay fp32. */
  unsigned augment;    /* AUGMENT_CROP | AUGMENT_FLIP (engine/augment.h) of each
                          training batch, images only; 0: none */
} TrainConfig;

typedef struct {
  uint64_t step;      /* 1-based */
  size_t epoch;       /* 0-based epoch this step belongs to */
  double rate;        /* scheduled lr or alpha of this step */
  double loss, train_acc;
  double test_acc, test_loss; /* NAN when not evaluated at this step */
  size_t flips;
  double flip_ratio;
  size_t layer_flips[MODEL_MAX_LAYERS];
} StepReport;

typedef struct {
  double data, forward, backward, optimizer, eval; /* seconds */
} PhaseTimes;

typedef struct Trainer Trainer;

/* Refuses settings no trainer can run with: a batch outside 1..train->n,
 * augmentation of data without image geometry (or of unknown kinds),
 * optimizer settings optim_check refuses. Returns 0 or ERR_USAGE
 * (engine/error.h) with a message naming the setting. */
int trainer_check(const TrainConfig *tc, const OptConfig *oc, const DataSplit *train, char *err,
                  size_t errlen);
/* Builds a trainer; NULL with a message when trainer_check refuses the
 * settings or memory runs out (a runtime error once the check passed). */
Trainer *trainer_create(const TrainConfig *tc, const ModelSpec *spec, const OptConfig *oc,
                        const DataSplit *train, const DataSplit *test, char *err, size_t errlen);
void trainer_free(Trainer *t);

/* Runs one step: 1 when a step ran, 0 when training is complete, -1 on a
 * numerical failure (message in err names the step and what failed). */
int trainer_step(Trainer *t, StepReport *r, char *err, size_t errlen);
/* Accuracy on a split with running batch-norm statistics; *loss if not NULL. */
double trainer_evaluate(Trainer *t, const DataSplit *s, double *loss);

/* Sets the run's length to steps from here on: the schedule's horizon
 * becomes steps (epochs: the steps' epochs, the last one maybe partial), and
 * a length at or below the steps done ends the run. 0: no length, trained
 * until stopped; a decaying schedule then holds its starting rate (step
 * milestones still apply), and total steps and epochs read 0. */
void trainer_set_length(Trainer *t, size_t steps);
/* The run's length in steps; 0 when it has none (trainer_set_length). */
size_t trainer_total_steps(const Trainer *t);
size_t trainer_steps_per_epoch(const Trainer *t);
size_t trainer_epochs(const Trainer *t);
const PhaseTimes *trainer_times(const Trainer *t);
Model *trainer_model(Trainer *t);
Optimizer *trainer_optimizer(Trainer *t);

/* 0, or ERR_USAGE with one line when the spec does not fit the split's
 * samples (a cnn: model on flat data, a kernel larger than the image) or the
 * optimizer (a scale by latent weights for a filter optimizer). */
int trainer_check_model(const ModelSpec *spec, const OptConfig *oc, const DataSplit *train,
                        char *err, size_t errlen);
/* What a model trained on this split reads: its features, and the image
 * shape (height, width, channels) when the split has one. */
ModelInput trainer_model_input(const DataSplit *train);
/* The bytes trainer_create would allocate (model, optimizer state, batch
 * buffers), so a front end can refuse a shape the machine cannot hold. */
double trainer_memory_bytes(const TrainConfig *tc, const ModelSpec *spec, const OptConfig *oc,
                            const DataSplit *train);

/* The state a checkpoint saves beyond the model and the optimizer, for
 * engine/checkpoint.c: restoring it (with them) continues the run exactly. */
typedef struct {
  uint64_t *step;            /* steps done */
  Rng *shuffle_rng;          /* draws the next epoch's permutation ... */
  uint32_t *order;           /* ... from this one (train->n entries, the current epoch's) */
  RealAdam *real_opt;        /* batch-norm parameters' Adam */
  const TrainConfig *cfg;
  const DataSplit *train;
  const DataSplit *test;     /* NULL when the run has none */
} TrainerState;
void trainer_state(Trainer *t, TrainerState *s);
/* Checks the optimizer state, batch-norm parameters and running statistics
 * for NaN or infinity (engine/numcheck.h): 0, or -1 naming the layer. */
int trainer_check_state(Trainer *t, char *err, size_t errlen);

/* Turns on flip telemetry (engine/telemetry.h) from the next step on, or
 * changes its settings when it is on. Returns 0, or -1 with a message. */
int trainer_enable_telemetry(Trainer *t, const TelemetryConfig *c, char *err, size_t errlen);
/* The telemetry (snapshots: telemetry_last), NULL when off.
 * After replacing the model's signs (a checkpoint load), call telemetry_resync. */
Telemetry *trainer_telemetry(Trainer *t);

/* Traces the weights of spec (engine/trace.h) from the next step on; an
 * empty spec turns tracing off. Returns 0, or -1 with *bad the element of
 * spec the model has no weight for (trace_resolve). */
int trainer_enable_trace(Trainer *t, const TraceSpec *spec, size_t *bad);
/* The traced weights' values at the last step, NULL when not tracing. */
const TraceSnapshot *trainer_trace(const Trainer *t);

#endif
