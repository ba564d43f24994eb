/* dash_feed.c — from step reports and telemetry to the dashboard's model. */
#include "app/live/dash_feed.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define EMA 0.1     /* recent means: about the last ten steps */
#define REV_EMA 0.02 /* reversal share: about the last fifty */

_Static_assert(DASH_SAMPLES >= TEL_MAX_SAMPLES, "a dashboard layer holds every telemetry sample");
_Static_assert(DASH_BANDS == TEL_PERCENTILES && DASH_BINS == TEL_HIST_BINS, "same statistics");

void feed_reset(DashFeed *f, const Model *m) {
  memset(f, 0, sizeof *f);
  f->span = 1;
  f->test_acc = NAN;
  f->n_layers = m->n_layers < DASH_LAYERS ? m->n_layers : DASH_LAYERS;
  for (size_t l = 0; l < DASH_LAYERS; l++)
    for (int b = 0; b < DASH_BANDS; b++) f->bands[l][b] = f->layer[l].bands[b] = NAN;
  for (size_t l = 0; l < f->n_layers; l++) {
    f->layer[l].in = m->layer[l].in;
    f->layer[l].out = m->layer[l].out;
    f->layer[l].kernel = m->layer[l].conv ? m->layer[l].geom.kernel : 0;
    f->layer[l].in_ch = m->layer[l].geom.in_ch;
    f->layer[l].never_flipped = 1;
  }
}

static void merge(DashBucket *a, const DashBucket *b) {
  a->last = b->last;
  a->steps += b->steps;
  a->loss += b->loss;
  a->train_acc += b->train_acc;
  a->rate += b->rate;
  if (!isnan(b->test_acc)) a->test_acc = b->test_acc;
  for (size_t l = 0; l < DASH_LAYERS; l++) {
    a->flips[l] += b->flips[l];
    if (!isnan(b->bands[l][0])) memcpy(a->bands[l], b->bands[l], sizeof a->bands[l]);
  }
  a->reversals += b->reversals;
}

static DashBucket *open_bucket(DashFeed *f, uint64_t step) {
  if (f->n_hist > 0 && f->hist[f->n_hist - 1].steps < f->span) return &f->hist[f->n_hist - 1];
  if (f->n_hist == DASH_HIST) {
    for (size_t i = 0; i < DASH_HIST / 2; i++) {
      f->hist[i] = f->hist[2 * i];
      merge(&f->hist[i], &f->hist[2 * i + 1]);
    }
    f->n_hist = DASH_HIST / 2;
    f->span *= 2;
    if (f->hist[f->n_hist - 1].steps < f->span) return &f->hist[f->n_hist - 1];
  }
  DashBucket *b = &f->hist[f->n_hist++];
  memset(b, 0, sizeof *b);
  b->first = step;
  b->test_acc = NAN;
  memcpy(b->bands, f->bands, sizeof b->bands);
  return b;
}

void feed_step(DashFeed *f, const StepReport *r, const TelemetrySnapshot *t) {
  DashBucket *b = open_bucket(f, r->step);
  b->last = r->step;
  b->steps++;
  b->loss += r->loss;
  b->train_acc += r->train_acc;
  b->rate += r->rate;
  if (!isnan(r->test_acc)) b->test_acc = f->test_acc = r->test_acc;
  f->step = r->step;
  f->epoch = r->epoch;
  f->loss = r->loss;
  f->train_acc = r->train_acc;
  f->rate = r->rate;
  int first = f->n_hist == 1 && b->steps == 1; /* the first step since the reset */
  f->flip_ratio = first ? r->flip_ratio : (1 - EMA) * f->flip_ratio + EMA * r->flip_ratio;
  for (size_t l = 0; l < f->n_layers; l++) {
    b->flips[l] += (double)r->layer_flips[l];
    DashLayer *L = &f->layer[l];
    L->flips_recent = first ? (double)r->layer_flips[l]
                            : (1 - EMA) * L->flips_recent + EMA * (double)r->layer_flips[l];
  }
  if (!t || t->step != r->step) return;
  double rev = 0;
  for (size_t l = 0; l < f->n_layers && l < t->layers; l++) {
    const TelemetryLayer *T = &t->layer[l];
    DashLayer *L = &f->layer[l];
    rev += (double)T->reversals;
    L->never_flipped = T->never_flipped;
    L->n = T->samples;
    for (unsigned j = 0; j < T->samples; j++) {
      if (!f->have_samples) L->age[j] = UINT32_MAX;
      else if (L->sign[j] != T->sample_sign[j]) L->age[j] = 0;
      else if (L->age[j] != UINT32_MAX) L->age[j]++;
      L->sign[j] = T->sample_sign[j];
      L->index[j] = T->sample_index[j];
      L->inertia[j] = T->sample_inertia[j];
    }
    if (t->stats_fresh) {
      memcpy(L->bands, T->pct, sizeof L->bands);
      memcpy(f->bands[l], T->pct, sizeof f->bands[l]);
      memcpy(b->bands[l], T->pct, sizeof b->bands[l]);
      memcpy(L->hist, T->hist, sizeof L->hist);
      L->hist_lo = T->hist_lo;
      L->hist_hi = T->hist_hi;
      L->hist_log = t->hist == TEL_HIST_LOG;
      L->near_zero = T->near_zero;
      L->abs_median = T->abs_median;
    }
  }
  f->have_samples = 1;
  b->reversals += rev;
  f->rev_num = (1 - REV_EMA) * f->rev_num + REV_EMA * rev;
  f->rev_den = (1 - REV_EMA) * f->rev_den + REV_EMA * (double)r->flips;
}

void feed_truncate(DashFeed *f, uint64_t step) {
  DashScope *sc = &f->scope;
  while (sc->n && sc->at[(f->scope_head + sc->n - 1) % DASH_SCOPE].step > step) sc->n--;
  if (sc->last.step > step) sc->last.step = 0;
  while (f->n_hist && f->hist[f->n_hist - 1].first > step) f->n_hist--;
  if (f->n_hist && f->hist[f->n_hist - 1].last > step) f->hist[f->n_hist - 1].last = step;
  f->step = step;
}

void feed_mark(DashFeed *f, uint64_t step, const char *label) {
  if (f->n_marks == DASH_MARKS) {
    memmove(f->marks, f->marks + 1, (DASH_MARKS - 1) * sizeof *f->marks);
    f->n_marks--;
  }
  DashMark *m = &f->marks[f->n_marks++];
  m->step = step;
  snprintf(m->label, sizeof m->label, "%s", label);
}

/* Where ref is in pin[0..n), or -1. */
static int pin_slot(const TraceRef *pin, size_t n, TraceRef ref) {
  for (size_t k = 0; k < n; k++)
    if (pin[k].layer == ref.layer && pin[k].index == ref.index) return (int)k;
  return -1;
}

void feed_scope_pins(DashFeed *f, const TraceRef *pin, size_t n) {
  DashScope *sc = &f->scope;
  if (n > TRACE_MAX) n = TRACE_MAX;
  int from[TRACE_MAX];
  for (size_t k = 0; k < n; k++) from[k] = pin_slot(sc->pin, sc->n_pins, pin[k]);
  for (size_t i = 0; i < sc->n; i++) {
    DashScopeStep *e = &sc->at[(f->scope_head + i) % DASH_SCOPE], old = *e;
    for (size_t k = 0; k < TRACE_MAX; k++) {
      int j = k < n ? from[k] : -1;
      e->filter[k] = j >= 0 ? old.filter[j] : NAN;
      e->sign[k] = j >= 0 ? old.sign[j] : 0;
    }
  }
  if (n) memcpy(sc->pin, pin, n * sizeof *pin); /* pin may be NULL when n is 0 */
  sc->n_pins = n;
  if (!n) sc->n = 0, f->scope_head = 0, sc->last.step = 0;
}

void feed_scope_step(DashFeed *f, const TraceSnapshot *t) {
  DashScope *sc = &f->scope;
  if (t->n != sc->n_pins || memcmp(t->ref, sc->pin, t->n * sizeof *t->ref) != 0)
    feed_scope_pins(f, t->ref, t->n);
  if (!sc->n_pins) return;
  DashScopeStep *e = sc->n ? &sc->at[(f->scope_head + sc->n - 1) % DASH_SCOPE] : NULL;
  if (!e || e->step != t->step) {
    if (sc->n == DASH_SCOPE) f->scope_head = (f->scope_head + 1) % DASH_SCOPE;
    else sc->n++;
    e = &sc->at[(f->scope_head + sc->n - 1) % DASH_SCOPE];
  }
  e->step = t->step;
  e->kind = (uint8_t)t->kind;
  e->threshold = t->threshold;
  for (size_t k = 0; k < TRACE_MAX; k++) {
    e->filter[k] = k < t->n ? t->filter[k] : NAN;
    e->sign[k] = k < t->n ? t->sign[k] : 0;
  }
  sc->last = *t;
}

/* The scope into out, oldest step first; nothing beyond the pins when none are. */
static void fill_scope(const DashFeed *f, DashScope *out) {
  const DashScope *sc = &f->scope;
  out->n_pins = sc->n_pins;
  memcpy(out->pin, sc->pin, sizeof out->pin);
  out->n = sc->n;
  out->last = sc->last;
  size_t first = sc->n < DASH_SCOPE - f->scope_head ? sc->n : DASH_SCOPE - f->scope_head;
  memcpy(out->at, sc->at + f->scope_head, first * sizeof *sc->at);
  memcpy(out->at + first, sc->at, (sc->n - first) * sizeof *sc->at);
}

void feed_fill(const DashFeed *f, DashSnapshot *out) {
  fill_scope(f, &out->scope);
  memcpy(out->hist, f->hist, f->n_hist * sizeof *f->hist);
  out->n_hist = f->n_hist;
  out->span = f->span;
  memcpy(out->marks, f->marks, f->n_marks * sizeof *f->marks);
  out->n_marks = f->n_marks;
  out->n_layers = f->n_layers;
  for (size_t l = 0; l < f->n_layers; l++) {
    const DashLayer *L = &f->layer[l];
    DashLayer *o = &out->layer[l];
    /* the fixed part, then only the samples in use */
    size_t head = offsetof(DashLayer, inertia);
    memcpy(o, L, head);
    memcpy(o->inertia, L->inertia, L->n * sizeof *L->inertia);
    memcpy(o->sign, L->sign, L->n * sizeof *L->sign);
    memcpy(o->age, L->age, L->n * sizeof *L->age);
    memcpy(o->index, L->index, L->n * sizeof *L->index);
    memcpy(o->bands, L->bands, sizeof *L - offsetof(DashLayer, bands));
  }
  out->step = f->step;
  out->epoch = f->epoch;
  out->loss = f->loss;
  out->train_acc = f->train_acc;
  out->test_acc = f->test_acc;
  out->rate = f->rate;
  out->flip_ratio = f->flip_ratio;
  out->reversal = f->rev_den > 1e-9 ? f->rev_num / f->rev_den : NAN;
}

void feed_fill_run(DashSnapshot *out, Session *s) {
  Trainer *t = s->trainer;
  const Model *m = trainer_model(t);
  snprintf(out->data, sizeof out->data, "%s", s->data.name);
  model_spec_describe(&s->cfg.model, out->model, sizeof out->model);
  out->batch = s->cfg.train.batch;
  out->threads = s->threads;
  out->bf16 = s->cfg.train.precision == PRECISION_BF16;
  out->opt = *optim_config(trainer_optimizer(t));
  out->opt_steps = optim_steps(trainer_optimizer(t));
  out->schedule = s->cfg.train.schedule;
  out->weights = model_binary_weights(m);
  out->total_steps = trainer_total_steps(t);
  out->steps_per_epoch = trainer_steps_per_epoch(t);
  out->epochs = trainer_epochs(t);
  const Telemetry *tel = trainer_telemetry(t);
  out->reversal_k = tel ? (int)telemetry_config(tel)->reversal_window : 0;
  /* the multiplier the next step gets, as trainer_step computes it */
  TrainerState st;
  trainer_state(t, &st);
  const Schedule *sc = &s->cfg.train.schedule;
  size_t done = (size_t)*st.step, spe = out->steps_per_epoch ? out->steps_per_epoch : 1;
  if (out->total_steps && done >= out->total_steps && done) done--; /* 0: no length */
  out->factor = sc->per_step ? schedule_factor(sc, done, out->total_steps)
                             : schedule_factor(sc, done / spe, out->epochs);
}

/* Sink.step: the feed takes the step. */
static int sink_step(void *self, const StepReport *r, const TelemetrySnapshot *t, char *err,
                     size_t errlen) {
  (void)err, (void)errlen;
  feed_step(self, r, t);
  return 0;
}

Sink feed_sink(DashFeed *f) { return (Sink){.step = sink_step, .self = f}; }
