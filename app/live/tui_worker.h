/* tui_worker.h — the TUI's training thread.
 *
 * The worker owns the session (data, trainer, logs: app/run/session.h) and
 * runs training steps; each goes to the session's sinks, the dashboard's
 * feed among them. After every step it captures the weights pinned to the
 * weight scope (engine/trace.h) into the feed; with none pinned, nothing.
 * It publishes immutable DashSnapshots through three buffers behind a mutex
 * (the UI reads the newest while the worker fills another, so neither waits
 * for the other), at most 20 times a second and at once after a command.
 * The UI thread sends commands through a queue the worker drains between
 * steps: a setting applies at the next step and never resets training.
 * The worker never touches the terminal.
 */
#ifndef FLIPSCOPE_TUI_WORKER_H
#define FLIPSCOPE_TUI_WORKER_H

#include <stdint.h>

#include "app/cli/config.h"
#include "app/run/session.h"
#include "views/dash.h"

typedef enum {
  CMD_TOGGLE,     /* pause <-> run (a diverged run retries the step) */
  CMD_PAUSE,
  CMD_STEP,       /* one step, then paused */
  CMD_SET_OPT,    /* new settings of the same optimizer kind */
  CMD_SWITCH_OPT, /* another optimizer: state mapped by optim_switch */
  CMD_RESTART,    /* a new trainer with the current settings */
  CMD_LOAD,       /* a new session from cfg (a preset) */
  CMD_SAVE,       /* checkpoint to path ("" : a fresh name) */
  CMD_EXPORT,     /* charts into path ("" : a fresh directory) */
  CMD_SET_LENGTH, /* the run's length: value steps (0: none, until stopped) */
  CMD_SET_PACE,   /* value steps per second (0: as fast as it goes) */
  CMD_SET_PINS,   /* the weight scope's pinned weights become pin[0..n_pins) */
} CmdKind;

typedef struct {
  CmdKind kind;
  OptConfig opt;          /* SET_OPT, SWITCH_OPT */
  Config cfg;             /* LOAD */
  double value;           /* SET_LENGTH, SET_PACE */
  size_t n_pins;          /* SET_PINS */
  TraceRef pin[TRACE_MAX];
  char path[CONFIG_PATH_MAX];
} Command;

/* What the worker measured, for FLIPSCOPE_TUI_STATS. */
typedef struct {
  uint64_t steps;         /* steps run while the TUI was open */
  double run_s;           /* wall time spent running steps (paused time excluded) */
  double eval_s;          /* of which evaluating the test split */
  size_t batch;
} WorkerStats;

typedef struct Worker Worker;

/* Opens s from cfg for the worker: session_open (app/run/session.h) with the
 * live view's needs (the dashboard's telemetry, statistics on request). */
int worker_session_open(Session *s, const Config *cfg, char *err, size_t errlen);
/* Takes over s, malloc'd and opened by worker_session_open (the trainer
 * points into it, so it must not move; worker_stop closes and frees it),
 * opens the logs cfg asks for, or private ones, continuing them when s was
 * resumed, pins the weights of --trace-weights to the weight scope, and
 * starts training (paused when start_paused) at cfg's pace. A
 * run whose length cfg does not set trains until stopped. NULL with a
 * message in err on failure (s is then closed and freed). */
Worker *worker_start(Session *s, const Config *cfg, int start_paused, char *err, size_t errlen);
/* Queues a command; returns its sequence number (DashSnapshot.applied reaches
 * it once applied). */
uint64_t worker_send(Worker *w, const Command *c);
/* The newest snapshot, held until worker_release (one at a time). */
const DashSnapshot *worker_acquire(Worker *w);
/* The sequence number of the last command in the newest snapshot (cheap). */
uint64_t worker_applied(Worker *w);
void worker_release(Worker *w);
/* For --save at exit: stops the thread (the commands already queued are
 * applied first) and saves the session to path; a diverged run saves its last
 * good state. Returns 0 with "checkpoint saved to PATH ..." in msg, or -1 with
 * the reason in msg. worker_stop must follow. */
int worker_save_at_exit(Worker *w, const char *path, char *msg, size_t len);
/* Stops the thread (unless worker_save_at_exit did), closes the logs, then
 * draws the --export charts from them (unless the run diverged), and closes
 * the session. Returns 0, or -1 with a message in err (a log could not be
 * written, or the charts could not be drawn). */
int worker_stop(Worker *w, WorkerStats *stats, char *err, size_t errlen);

#endif
