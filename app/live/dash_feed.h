/* dash_feed.h — turns the trainer's step reports and telemetry snapshots into
 * the dashboard's view model (views/dash.h): a bucketed step history whose
 * buckets merge in pairs when full (so any run fits), parameter-change
 * markers, and per layer the sampled weights with the steps since each last
 * flipped, and the weight scope's last steps of the pinned weights. Runs on the training thread (the TUI's worker, or the headless
 * loop for `--screen`), as one of the session's sinks (app/run/sink.h);
 * feed_fill copies it into a snapshot. */
#ifndef FLIPSCOPE_DASH_FEED_H
#define FLIPSCOPE_DASH_FEED_H

#include "app/run/session.h"
#include "app/run/sink.h"
#include "engine/telemetry.h"
#include "engine/trainer.h"
#include "views/dash.h"

typedef struct {
  DashBucket hist[DASH_HIST];
  size_t n_hist;
  uint64_t span;
  DashMark marks[DASH_MARKS];
  size_t n_marks;
  size_t n_layers;
  DashLayer layer[DASH_LAYERS];
  float bands[DASH_LAYERS][DASH_BANDS]; /* latest measured, carried into new buckets */
  int have_samples;
  uint64_t step;
  size_t epoch;
  double loss, train_acc, test_acc, rate;
  double flip_ratio, rev_num, rev_den;    /* recent means (EMAs) */
  DashScope scope;                  /* its at[] a ring: the oldest at scope_head */
  size_t scope_head;
} DashFeed;

/* Clears everything and takes the layer shapes of m. */
void feed_reset(DashFeed *f, const Model *m);
/* Records one step; t is the telemetry snapshot of that step (or NULL). */
void feed_step(DashFeed *f, const StepReport *r, const TelemetrySnapshot *t);
/* Forgets the steps after `step` (going back to an earlier state); a bucket
 * that straddles it is kept whole. */
void feed_truncate(DashFeed *f, uint64_t step);
/* A marker: a setting changed before `step`. */
void feed_mark(DashFeed *f, uint64_t step, const char *label);
/* The pinned weights become pin[0..n): each weight that stays pinned keeps
 * its steps, a newly pinned one has none before the next; n 0 forgets all. */
void feed_scope_pins(DashFeed *f, const TraceRef *pin, size_t n);
/* Records the pinned weights' values of step t->step, captured by
 * trace_capture over t->ref (a set other than the pinned one is pinned
 * first, as feed_scope_pins does); the same step again replaces it. */
void feed_scope_step(DashFeed *f, const TraceSnapshot *t);
/* Fills out's history, markers, layers, weight scope and latest metrics. */
void feed_fill(const DashFeed *f, DashSnapshot *out);
/* Fills what runs: data, model, optimizer (as the trainer has it now),
 * schedule, batch, step totals. */
void feed_fill_run(DashSnapshot *out, Session *s);
/* f as a sink: it takes every step (feed_step) and nothing else; the owner
 * marks, truncates and frees it. */
Sink feed_sink(DashFeed *f);

#endif
