/* session.h — one run as every front end opens it: from a Config, the data
 * set, threads, kernels, the trainer and its telemetry, the --load
 * checkpoint, the logs, and the list of sinks that take each step
 * (app/run/sink.h). The headless runner and the live view's worker open it
 * the same way: session_open, then session_open_logs, then their own sinks. */
#ifndef FLIPSCOPE_SESSION_H
#define FLIPSCOPE_SESSION_H

#include "app/cli/config.h"
#include "app/logs/resume.h"
#include "app/logs/runlog.h"
#include "app/run/sink.h"
#include "datasets/dataset.h"
#include "datasets/load.h"
#include "engine/trainer.h"

/* What a front end needs beyond its Config. */
typedef struct {
  int dashboard; /* it draws the dashboard (views/): telemetry on even when no log asks for it */
  int live;      /* the live view: statistics only when asked for (telemetry_request_stats),
                    logs always with telemetry, and when no log is named, private ones in a
                    temporary directory (so that `e` can export) */
} SessionNeeds;

typedef struct {
  Config cfg;
  SessionNeeds needs;
  Dataset data;
  Trainer *trainer;
  int threads;
  int stats_on_request; /* the telemetry computes its statistics only when asked for */
  /* --load: the step the run resumed at, and the running figures and log
   * marks saved with it (app/logs/resume.h; defaults when it holds none). */
  int resumed;
  uint64_t resumed_step;
  RunFigures resume;
  double val_acc;      /* accuracy on data.val at the last evaluation (NAN: none) */
  RunLog log;          /* its paths stay after it was closed, for the charts */
  int log_open;
  char private_dir[64]; /* needs.live: the private logs' directory ("": none) */
  SinkList sinks;
} Session;

/* The data-set options cfg gives (datasets/load.h). */
DatasetOptions session_dataset_options(const Config *cfg);
/* Loads data, sets threads and SIMD level, builds the trainer, turns its
 * telemetry on as cfg and needs ask, and with --load restores the checkpoint
 * (trainer and flip history, read once). Messages go to stderr ("data:
 * fashion" for --data auto). Returns an exit code; session_close must follow
 * in any case. */
int session_open(Session *s, const Config *cfg, const SessionNeeds *needs, char *err,
                 size_t errlen);
/* Opens the logs s->cfg asks for (app/logs/runlog.h) and adds them as the
 * first sink; a resumed run continues the logs its checkpoint marked.
 * Returns 0, or -1 with one line in err (the run has no logs then). */
int session_open_logs(Session *s, char *err, size_t errlen);
/* Adds a front end's sink after the logs. 0, or -1 when there are too many. */
int session_add_sink(Session *s, Sink sink);
/* A new run of cfg on the same data (the live view's restart): a new trainer
 * and telemetry, no resume, and no sinks (the old run's are closed, a
 * failure there unreported). Returns 0, or -1 with a message when the
 * trainer cannot be made (nothing changed then). */
int session_restart(Session *s, const Config *cfg, char *err, size_t errlen);

/* Gives step r (trainer_step returned 1) to every sink with the step's
 * telemetry snapshot. 0, or -1 with the first failure (a log that could not
 * be written) in err. */
int session_record(Session *s, const StepReport *r, char *err, size_t errlen);
/* Tells every sink that a setting changed before `step` (sink.h). */
void session_param_change(Session *s, uint64_t step, const char *param, double old_value,
                          double new_value, const char *text);
/* Tells every sink that the optimizer switched before `step` (sink.h). */
void session_opt_switch(Session *s, uint64_t step, const OptConfig *from, const OptConfig *to,
                        int exact, const char *text);
/* Closes the sink added last (the front end's before the logs). 1 when one
 * was closed, -1 with one line in err when that failed, 0 when none is left. */
int session_close_sink(Session *s, char *err, size_t errlen);

/* Saves the run to path atomically (app/io/checkpoint_file.h) with the saved
 * settings and the figures fig, after marking where every sink stands in it
 * (the logs are made durable first); refuses a state holding NaN or
 * infinity. Returns 0, or -1 with a message naming --save and the file. */
int session_save(Session *s, const char *path, RunFigures *fig, char *err, size_t errlen);
/* Closes what is still open (sinks, logs: failures unreported), removes the
 * private logs and frees the rest. */
void session_close(Session *s);

/* Seconds since the process started (before any re-exec). */
double session_uptime(void);
void session_mark_start(void);

#endif
