/* sink.h — the consumers of a run's steps, in the spirit of ncdu's
 * dir_output: the logs (app/logs/runlog.h, through app/run/session.c), the
 * live view's feed (app/live/dash_feed.h) and the --screen recorder
 * (app/live/screen_text.h). A session (app/run/session.h) holds them in a
 * SinkList and calls each in turn: every step, every setting changed between
 * steps, a mark before each checkpoint, and a close at the end, the last
 * added first. No front end calls a consumer by name. */
#ifndef FLIPSCOPE_SINK_H
#define FLIPSCOPE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "app/logs/resume.h"
#include "engine/telemetry.h"
#include "engine/trainer.h"

typedef struct Sink {
  /* Records step r; t is the telemetry snapshot of that step (NULL when the
   * telemetry is off or took none). 0, or -1 with one line in err. */
  int (*step)(void *self, const StepReport *r, const TelemetrySnapshot *t, char *err,
              size_t errlen);
  /* Setting `param` (an option name, or "opt" for the optimizer kind)
   * changed from old_value to new_value before `step`; text (may be NULL)
   * says how. NULL: not recorded. */
  void (*param_change)(void *self, uint64_t step, const char *param, double old_value,
                       double new_value, const char *text);
  /* The optimizer was switched from `from` to `to` before `step`
   * (optim_switch: exact or not); text says how. NULL: not recorded. */
  void (*opt_switch)(void *self, uint64_t step, const OptConfig *from, const OptConfig *to,
                     int exact, const char *text);
  /* Makes what it wrote durable and records in fig where it stands, for a
   * checkpoint (app/logs/resume.h). 0, or -1 with one line in err. NULL:
   * nothing to mark. */
  int (*mark)(void *self, RunFigures *fig, char *err, size_t errlen);
  /* Finishes and lets go of what it holds. 0, or -1 with one line in err
   * (a file that could not be written). NULL: nothing to finish. */
  int (*close)(void *self, char *err, size_t errlen);
  void *self;
} Sink;

#define SINK_MAX 4

typedef struct {
  Sink sink[SINK_MAX];
  size_t n;
} SinkList;

/* Appends s (called after those already there). 0, or -1 when the list is full. */
int sinks_add(SinkList *l, Sink s);
/* Gives step r to every sink, in order, also after one failed. Returns 0, or
 * -1 with the first failure's line in err. */
int sinks_step(SinkList *l, const StepReport *r, const TelemetrySnapshot *t, char *err,
               size_t errlen);
/* Tells every sink, in order, that a setting changed. */
void sinks_param_change(SinkList *l, uint64_t step, const char *param, double old_value,
                        double new_value, const char *text);
/* Tells every sink, in order, that the optimizer switched. */
void sinks_opt_switch(SinkList *l, uint64_t step, const OptConfig *from, const OptConfig *to,
                      int exact, const char *text);
/* Marks every sink, in order, into fig; stops at the first that fails:
 * -1 with its line in err (no checkpoint may then be saved). 0 otherwise. */
int sinks_mark(SinkList *l, RunFigures *fig, char *err, size_t errlen);
/* Closes and removes the sink added last. Returns 1 when it closed, -1 with
 * one line in err when closing it failed (it is removed all the same), 0
 * when the list is empty. */
int sinks_close_last(SinkList *l, char *err, size_t errlen);

#endif
