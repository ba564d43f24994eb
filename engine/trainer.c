/* trainer.c — mini-batch training and evaluation of the binary MLP. */
#include "engine/trainer.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/augment.h"
#include "engine/loss.h"
#include "engine/model_shape.h"
#include "engine/numcheck.h"
#include "engine/real_adam.h"
#include "engine/rng.h"

struct Trainer {
  TrainConfig cfg;
  const DataSplit *train, *test;
  Model model;
  Optimizer *opt;
  RealAdam real_opt;
  Rng shuffle_rng;
  uint32_t *order;     /* this epoch's permutation of the training split */
  float *x;            /* batch_cap x dim */
  uint8_t *y;          /* batch_cap */
  float *dlogits;      /* batch x classes */
  AugmentDraw *draws;  /* batch, with cfg.augment */
  float *augment_scratch; /* one image, with cfg.augment */
  size_t steps_per_epoch, total_steps, epochs;
  int endless;                /* no length: trainer_set_length(t, 0) */
  uint64_t step;       /* steps done */
  pthread_t timing_thread; /* the thread whose optimizer time is measured */
  double opt_seconds;  /* its optimizer time in the current step */
  PhaseTimes times;
  Telemetry *tel;      /* NULL unless trainer_enable_telemetry */
  int tracing;         /* trainer_enable_trace: trace holds the traced weights */
  TraceSnapshot trace;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void trainer_free(Trainer *t) {
  if (!t) return;
  optim_free(t->opt);
  telemetry_free(t->tel);
  real_adam_free(&t->real_opt);
  model_free(&t->model);
  free(t->order);
  free(t->x);
  free(t->y);
  free(t->dlogits);
  free(t->draws);
  free(t->augment_scratch);
  free(t);
}

int trainer_check(const TrainConfig *tc, const OptConfig *oc, const DataSplit *train, char *err,
                  size_t errlen) {
  if (tc->batch == 0 || tc->batch > train->n) {
    snprintf(err, errlen, "%s: %zu is not in 1..%zu (the training split's size)",
             error_setting("batch").text, tc->batch, train->n);
    return ERR_USAGE;
  }
  if (tc->augment > AUGMENT_ALL || (tc->augment && !trainer_model_input(train).channels)) {
    if (tc->augment > AUGMENT_ALL)
      snprintf(err, errlen, "%s: unknown kinds 0x%x", error_setting("augment").text, tc->augment);
    else
      snprintf(err, errlen, "%s: %s needs images; the training split has no image geometry",
               error_setting("augment").text, augment_name(tc->augment));
    return ERR_USAGE;
  }
  return optim_check(oc, err, errlen) ? ERR_USAGE : 0;
}

/* The samples the model's buffers hold: an MLP evaluates 500 at a time (its
 * buffers are small); a CNN's activations are images, so it evaluates a
 * training batch at a time and holds no more. */
static size_t batch_cap_for(const TrainConfig *tc, const ModelSpec *spec) {
  size_t eval = spec->cnn ? 0 : 500;
  return tc->batch > eval ? tc->batch : eval;
}

int trainer_check_model(const ModelSpec *spec, const OptConfig *oc, const DataSplit *train,
                        char *err, size_t errlen) {
  const OptimizerOps *ops = optim_ops(oc->kind);
  if (spec->scale != SCALE_NONE && ops && !ops->latent) {
    snprintf(err, errlen, "%s mean: scales by the latent weights' magnitude, which %s has not "
             "(use sgd, adam or adamw; batch norm absorbs a per-channel scale anyway)",
             error_setting("scale").text, ops->name);
    return ERR_USAGE;
  }
  Model shape;
  ModelInput in = trainer_model_input(train);
  return model_shape(&shape, spec, &in, train->classes, 1, err, errlen);
}

ModelInput trainer_model_input(const DataSplit *train) {
  size_t c = train->channels;
  int image = c && train->width && train->height && train->dim == train->width * train->height * c;
  return (ModelInput){train->dim, image ? train->height : 0, image ? train->width : 0,
                      image ? c : 0};
}

Trainer *trainer_create(const TrainConfig *tc, const ModelSpec *spec, const OptConfig *oc,
                        const DataSplit *train, const DataSplit *test, char *err, size_t errlen) {
  if (trainer_check(tc, oc, train, err, errlen)) return NULL;
  Trainer *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  t->cfg = *tc;
  t->train = train;
  t->test = test;
  t->steps_per_epoch = train->n / tc->batch;
  t->total_steps = tc->max_steps ? tc->max_steps : tc->epochs * t->steps_per_epoch;
  t->epochs = tc->epochs ? tc->epochs
                         : (t->total_steps + t->steps_per_epoch - 1) / t->steps_per_epoch;
  size_t batch_cap = batch_cap_for(tc, spec);
  ModelInput in = trainer_model_input(train);
  if (model_create(&t->model, spec, &in, train->classes, batch_cap, tc->seed, err, errlen))
    goto fail;
  t->model.precision = tc->precision;
  size_t sizes[MODEL_MAX_LAYERS];
  const float *signs[MODEL_MAX_LAYERS];
  for (size_t l = 0; l < t->model.n_layers; l++) {
    sizes[l] = t->model.layer[l].in * t->model.layer[l].out;
    signs[l] = t->model.layer[l].sign;
  }
  t->opt = optim_create(oc, t->model.n_layers, sizes, signs, tc->seed, err, errlen);
  if (!t->opt) goto fail;
  t->order = malloc(train->n * sizeof *t->order);
  t->x = malloc(batch_cap * train->dim * sizeof *t->x);
  t->y = malloc(batch_cap);
  t->dlogits = malloc(tc->batch * train->classes * sizeof *t->dlogits);
  if (tc->augment) {
    t->draws = malloc(tc->batch * sizeof *t->draws);
    t->augment_scratch = malloc(train->dim * sizeof *t->augment_scratch);
  }
  int augment_ok = !tc->augment || (t->draws && t->augment_scratch);
  if (real_adam_init(&t->real_opt, t->model.n_real) || !t->order || !t->x || !t->y || !t->dlogits ||
      !augment_ok) {
    snprintf(err, errlen, "out of memory allocating training buffers");
    goto fail;
  }
  for (size_t i = 0; i < train->n; i++) t->order[i] = (uint32_t)i;
  rng_seed(&t->shuffle_rng, tc->seed, RNG_STREAM_SHUFFLE);
  return t;
fail:
  trainer_free(t);
  return NULL;
}

/* The optimizer step on one block of a layer's weights. The training thread
 * (which always works on a share of the blocks) times its own, which stands
 * for the optimizer's part of the fused backward pass. */
static size_t binary_update(void *ctx, size_t layer, size_t begin, size_t end) {
  Trainer *t = ctx;
  Layer *L = &t->model.layer[layer];
  int timed = pthread_equal(pthread_self(), t->timing_thread);
  double t0 = timed ? now_s() : 0;
  size_t flips = optim_step_range(t->opt, layer, L->sign, L->grad, begin, end);
  /* Layers with packed bits are tracked in binary_repacked, from those bits. */
  if (t->tel && !model_packs_layer(&t->model, layer))
    telemetry_block(t->tel, layer, L->sign, begin, end, flips, NULL);
  if (timed) t->opt_seconds += now_s() - t0;
  return flips;
}

/* Flip tracking of a block of a packed layer from the signs the model just packed. */
static void binary_repacked(void *ctx, size_t layer, size_t begin, size_t end, size_t flips,
                            const uint64_t *bits) {
  Trainer *t = ctx;
  if (t->tel) telemetry_block(t->tel, layer, t->model.layer[layer].sign, begin, end, flips, bits);
}

static void shuffle(Trainer *t) {
  for (size_t i = t->train->n - 1; i > 0; i--) {
    size_t j = (size_t)rng_below(&t->shuffle_rng, i + 1);
    uint32_t tmp = t->order[i];
    t->order[i] = t->order[j];
    t->order[j] = tmp;
  }
}

/* --scale mean: alpha_n = mean |w| of each output channel's latent weights,
 * taken before each forward pass; 1 while a filter optimizer runs (its
 * binary weights have no magnitude). */
static void refresh_scales(Trainer *t) {
  Model *m = &t->model;
  if (m->spec.scale == SCALE_NONE) return;
  const OptimizerOps *ops = optim_ops(optim_config(t->opt)->kind);
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    const float *w = ops->latent ? optim_state(t->opt, l)[ops->inertia_state] : NULL;
    for (size_t n = 0; n < L->out; n++) {
      double sum = 0;
      for (size_t k = 0; w && k < L->in; k++) sum += fabsf(w[n * L->in + k]);
      L->scale[n] = w ? (float)(sum / (double)L->in) : 1.0f;
    }
  }
}

double trainer_evaluate(Trainer *t, const DataSplit *s, double *loss) {
  refresh_scales(t);
  double t0 = now_s(), loss_sum = 0.0;
  size_t correct = 0;
  for (size_t first = 0; first < s->n; first += t->model.batch_cap) {
    size_t B = s->n - first < t->model.batch_cap ? s->n - first : t->model.batch_cap;
    data_gather_range(s, first, B, t->x, t->y);
    const float *logits = model_forward(&t->model, t->x, B, 0);
    size_t right;
    loss_sum += softmax_xent(logits, t->y, B, s->classes, NULL, &right) * (double)B;
    correct += right;
  }
  if (loss) *loss = loss_sum / (double)s->n;
  t->times.eval += now_s() - t0;
  return (double)correct / (double)s->n;
}

int trainer_step(Trainer *t, StepReport *r, char *err, size_t errlen) {
  if (!t->endless && t->step >= t->total_steps) return 0;
  const size_t B = t->cfg.batch, spe = t->steps_per_epoch;
  const size_t in_epoch = (size_t)(t->step % spe);
  memset(r, 0, sizeof *r);
  r->step = t->step + 1;
  r->epoch = (size_t)(t->step / spe);
  r->test_acc = r->test_loss = NAN;
  const Schedule *sched = &t->cfg.schedule;
  double factor = sched->per_step ? schedule_factor(sched, (size_t)t->step, t->total_steps)
                                  : schedule_factor(sched, r->epoch, t->epochs);
  r->rate = optim_base_rate(optim_config(t->opt)) * factor;

  double t0 = now_s();
  if (in_epoch == 0) shuffle(t);
  data_gather(t->train, t->order + in_epoch * B, B, t->x, t->y);
  if (t->cfg.augment) {
    const DataSplit *tr = t->train;
    augment_draw(t->cfg.seed, r->step, t->cfg.augment, B, t->draws);
    augment_apply(t->x, B, tr->height, tr->width, tr->channels, t->draws, t->augment_scratch);
  }
  refresh_scales(t);
  double t1 = now_s();
  const float *logits = model_forward(&t->model, t->x, B, 1);
  size_t right;
  r->loss = softmax_xent(logits, t->y, B, t->train->classes, t->dlogits, &right);
  r->train_acc = (double)right / (double)B;
  double t2 = now_s();
  if (!isfinite(r->loss)) {
    char culprit[128];
    numcheck_forward_culprit(&t->model, B, culprit, sizeof culprit);
    snprintf(err, errlen, "step %llu: the loss is %g (%s)", (unsigned long long)r->step, r->loss,
             culprit);
    return -1;
  }
  /* The binary-weight step runs inside the backward pass, block by block. */
  optim_begin_step(t->opt, r->rate);
  if (t->tel) telemetry_begin_step(t->tel, r->step);
  t->opt_seconds = 0;
  t->timing_thread = pthread_self();
  ModelUpdate update = {binary_update, binary_repacked, t};
  model_backward(&t->model, t->x, B, t->dlogits, &update, r->layer_flips);
  double t3 = now_s();
  for (size_t l = 0; l < t->model.n_layers; l++) r->flips += r->layer_flips[l];
  r->flip_ratio = (double)r->flips / (double)model_binary_weights(&t->model);
  real_adam_step(&t->real_opt, t->model.real_params, t->model.real_grads, t->cfg.real_lr * factor);
  if (t->tracing) trace_capture(&t->trace, r->step, r->rate, &t->model, t->opt);
  /* NaN or infinity: gradients every step, the whole state now and then (numcheck.h). */
  const int full_check = r->step % NUMCHECK_EVERY == 0 || r->step == t->total_steps;
  if (numcheck_backward(&t->model, B, r->step, full_check, err, errlen) ||
      (full_check && numcheck_state(&t->model, t->opt, &t->real_opt, r->step, err, errlen)))
    return -1;
  double t4 = now_s();
  t->times.data += t1 - t0;
  t->times.forward += t2 - t1;
  t->times.backward += t3 - t2 - t->opt_seconds;
  t->times.optimizer += t4 - t3 + t->opt_seconds;
  t->step++;

  int epoch_end = in_epoch == spe - 1;
  int last = t->step == t->total_steps;
  int periodic = t->cfg.eval_every && t->step % t->cfg.eval_every == 0;
  if ((epoch_end || last || periodic) && t->test)
    r->test_acc = trainer_evaluate(t, t->test, &r->test_loss);
  if (t->tel) {
    double t5 = now_s();
    TelemetryStep ts = {.step = r->step, .epoch = r->epoch, .rate = r->rate, .loss = r->loss,
                        .train_acc = r->train_acc, .test_acc = r->test_acc,
                        .layer_flips = r->layer_flips, .force_stats = last};
    telemetry_end_step(t->tel, &ts, &t->model, t->opt);
    t->times.optimizer += now_s() - t5;
  }
  return 1;
}

int trainer_enable_telemetry(Trainer *t, const TelemetryConfig *c, char *err, size_t errlen) {
  if (t->tel) {
    telemetry_set_config(t->tel, c);
    return 0;
  }
  t->tel = telemetry_create(c, &t->model, t->cfg.seed, err, errlen);
  return t->tel ? 0 : -1;
}

Telemetry *trainer_telemetry(Trainer *t) { return t->tel; }

void trainer_set_length(Trainer *t, size_t steps) {
  t->endless = steps == 0;
  t->total_steps = steps;
  t->epochs = (steps + t->steps_per_epoch - 1) / t->steps_per_epoch;
}

int trainer_enable_trace(Trainer *t, const TraceSpec *spec, size_t *bad) {
  t->tracing = 0;
  if (trace_resolve(spec, &t->model, t->cfg.seed, &t->trace, bad)) return -1;
  t->tracing = t->trace.n > 0;
  return 0;
}

const TraceSnapshot *trainer_trace(const Trainer *t) { return t->tracing ? &t->trace : NULL; }

size_t trainer_total_steps(const Trainer *t) { return t->total_steps; }
size_t trainer_steps_per_epoch(const Trainer *t) { return t->steps_per_epoch; }
size_t trainer_epochs(const Trainer *t) { return t->epochs; }
const PhaseTimes *trainer_times(const Trainer *t) { return &t->times; }
Model *trainer_model(Trainer *t) { return &t->model; }
Optimizer *trainer_optimizer(Trainer *t) { return t->opt; }

/* The weights of a spec's layers, in double, so absurd MLP shapes cannot wrap:
 * binary and real ones, and the batch-norm parameters. A CNN's come from its
 * shape (its sizes are bounded by the image and the channel limits). */
static void spec_weights(const ModelSpec *spec, const ModelInput *in, size_t classes,
                         double *binary, double *real, double *norm) {
  *binary = *real = *norm = 0;
  if (spec->cnn) {
    Model shape;
    char err[8];
    if (model_shape(&shape, spec, in, classes, 1, err, sizeof err)) return;
    Layer *seq[MODEL_MAX_LAYERS + 2];
    for (size_t d = 0, n = model_sequence(&shape, seq); d < n; d++) {
      int is_real = seq[d] == &shape.real_first || seq[d] == &shape.real_last;
      *(is_real ? real : binary) += (double)seq[d]->in * (double)seq[d]->out;
      *norm += 2.0 * (double)seq[d]->out;
    }
    return;
  }
  double width = (double)in->dim;
  for (size_t l = 0; l <= spec->n_hidden; l++) {
    double out = l < spec->n_hidden ? (double)spec->hidden[l] : (double)classes;
    int is_real = (l == 0 && spec->real_first) || (l == spec->n_hidden && spec->real_last);
    *(is_real ? real : binary) += width * out;
    *norm += 2 * out;
    width = out;
  }
}

double trainer_memory_bytes(const TrainConfig *tc, const ModelSpec *spec, const OptConfig *oc,
                            const DataSplit *train) {
  /* As trainer_create sizes things. */
  double batch_cap = (double)batch_cap_for(tc, spec), weights, reals, real_weights;
  ModelInput in_shape = trainer_model_input(train);
  spec_weights(spec, &in_shape, train->classes, &weights, &real_weights, &reals);
  const OptimizerOps *ops = optim_ops(oc->kind);
  double model = weights * (4 + 4 + 0.125) + reals * 16 + batch_cap * reals / 2 * (4 * 5 + 0.125) +
                 batch_cap * (double)train->dim * 4 + real_weights * 8;
  if (weights < 1e15) /* exact when it can be */
    model = (double)model_bytes(spec, &in_shape, train->classes, (size_t)batch_cap);
  double optimizer = weights * 4 * (ops ? ops->states : 1);
  /* Batch buffers, and the real layers' share of the real parameters' Adam. */
  double buffers = (double)train->n * 4 + batch_cap * ((double)train->dim * 4 + 1) +
                   (double)tc->batch * (double)train->classes * 4 + reals * 4 +
                   real_weights * 8;
  if (tc->augment) buffers += (double)tc->batch * sizeof(AugmentDraw) + (double)train->dim * 4;
  return model + optimizer + buffers;
}

int trainer_check_state(Trainer *t, char *err, size_t errlen) {
  if (numcheck_state(&t->model, t->opt, &t->real_opt, t->step, err, errlen)) return -1;
  /* The per-step check covers the batch-norm parameters and running statistics. */
  for (size_t l = 0; l < t->model.n_layers; l++) {
    const Layer *L = &t->model.layer[l];
    const float *x[4] = {L->bn_scale, L->bn_shift, L->run_mean, L->run_var};
    for (int k = 0; k < 4; k++)
      if (numcheck_first_bad(x[k], L->out) < L->out) {
        snprintf(err, errlen, "step %llu: layer %zu: the batch-norm parameters hold NaN or infinity",
                 (unsigned long long)t->step, l);
        return -1;
      }
  }
  return 0;
}

void trainer_state(Trainer *t, TrainerState *s) {
  *s = (TrainerState){.step = &t->step, .shuffle_rng = &t->shuffle_rng, .order = t->order,
                      .real_opt = &t->real_opt, .cfg = &t->cfg, .train = t->train,
                      .test = t->test};
}
