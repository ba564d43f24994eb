/* tui_worker.c — the TUI's training thread: steps, commands, snapshots. */
#include "app/live/tui_worker.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/charts/export.h"
#include "app/charts/run_charts.h"
#include "app/live/boundary.h"
#include "app/live/dash_feed.h"
#include "app/run/opt_change.h"
#include "engine/checkpoint.h"
#include "views/views.h"

#define PUBLISH_S 0.05  /* snapshots at most 20 times a second while running (the frame rate) */
#define BOUNDARY_S 0.25 /* the decision-boundary grid at most 4 times a second ... */
#define BOUNDARY_SHARE 0.05 /* ... and in at most this share of the time */
#define STATS_S 0.25    /* distribution statistics 4 times a second */
#define QUEUE_CAP 16
#define GOOD_S 10.0     /* an in-memory checkpoint every 10 s, to resume after divergence */
#define RATE_POINTS 64  /* the measured rate: (time, step) points ... */
#define RATE_EVERY_S (1.0 / 32) /* ... at least this far apart ... */
#define RATE_SPAN_S 2.0 /* ... over the last 2 s (or the last two points) */
#define DONE_TEXT "done: raise the length to go on, r restarts"

typedef struct {
  double t;
  uint64_t step;
} RatePoint;

typedef struct {
  Command cmd;
  uint64_t seq;
} Queued;

struct Worker {
  Session *s;
  Config cfg;              /* the run's settings, kept up to date (restart uses them) */
  DashFeed *feed;
  pthread_t thread;
  int thread_started;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  Queued *queue;
  size_t qhead, qcount;
  uint64_t next_seq, applied;
  int quit;
  DashSnapshot *buf[3];
  int front, reading;
  /* the training thread's own */
  RunState state;
  int step_once, dirty;
  char status[DASH_TEXT], note[DASH_TEXT];
  int note_error;
  uint64_t note_seq;
  uint64_t loads;          /* sessions loaded by CMD_LOAD */
  double last_publish, last_stats, next_boundary;
  double pace, last_start;   /* steps per second (0: as fast as it goes); the last step's start */
  RatePoint rate[RATE_POINTS];
  size_t rate_n;
  DashBoundary boundary;   /* the last grid computed (2-feature data) */
  TraceSnapshot pins;      /* the weights pinned to the scope, captured after every step */
  WorkerStats stats;
  Command current;         /* the command being applied (too big for the stack) */
  /* the last good state (a checkpoint in memory): a diverged run resumes from it */
  uint8_t *good;
  size_t good_len, good_cap;
  uint64_t good_step;
  double good_t;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void note(Worker *w, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(Worker *w, int error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->note, sizeof w->note, fmt, ap);
  va_end(ap);
  w->note_error = error;
  w->note_seq++;
  w->dirty = 1;
}

/* --- the measured rate ------------------------------------------------------- */

/* Forgets the measured rate (the run paused, restarted or changed pace). */
static void rate_reset(Worker *w) { w->rate_n = 0; }

/* Notes that step had ended at time t: a new point, or the newest one moved
 * while it is closer than RATE_EVERY_S to the one before. */
static void rate_note(Worker *w, double t, uint64_t step) {
  if (w->rate_n >= 2 && t - w->rate[w->rate_n - 2].t < RATE_EVERY_S) {
    w->rate[w->rate_n - 1] = (RatePoint){t, step};
    return;
  }
  if (w->rate_n == RATE_POINTS) memmove(w->rate, w->rate + 1, (RATE_POINTS - 1) * sizeof *w->rate);
  else w->rate_n++;
  w->rate[w->rate_n - 1] = (RatePoint){t, step};
}

/* Steps per second as measured: over the last RATE_SPAN_S, or between the
 * last two steps when they are further apart; 0 while not running or before
 * two steps have ended. */
static double rate_now(const Worker *w) {
  if (w->state != RUN_RUNNING || w->rate_n < 2) return 0;
  const RatePoint *last = &w->rate[w->rate_n - 1];
  size_t k = w->rate_n - 2;
  while (k > 0 && last->t - w->rate[k - 1].t <= RATE_SPAN_S) k--;
  double dt = last->t - w->rate[k].t;
  return dt > 0 ? (double)(last->step - w->rate[k].step) / dt : 0;
}

/* --- snapshots ------------------------------------------------------------ */

static void publish(Worker *w) {
  pthread_mutex_lock(&w->lock);
  int b = 0;
  while (b == w->front || b == w->reading) b++;
  pthread_mutex_unlock(&w->lock);
  DashSnapshot *d = w->buf[b];
  feed_fill_run(d, w->s);
  feed_fill(w->feed, d);
  d->steps_per_s = rate_now(w);
  d->samples_per_s = d->steps_per_s * (double)w->s->cfg.train.batch;
  d->pace = w->pace;
  double t0 = now_s();
  if (t0 >= w->next_boundary) {
    boundary_compute(w->s->trainer, &w->s->data.train, &w->boundary);
    double cost = now_s() - t0;
    w->next_boundary = t0 + fmax(BOUNDARY_S, cost / BOUNDARY_SHARE);
  }
  d->boundary = w->boundary;
  d->state = w->state;
  snprintf(d->status, sizeof d->status, "%s", w->status);
  snprintf(d->note, sizeof d->note, "%s", w->note);
  d->note_error = w->note_error;
  d->note_seq = w->note_seq;
  d->loads = w->loads;
  pthread_mutex_lock(&w->lock);
  d->applied = w->applied;
  w->front = b;
  pthread_mutex_unlock(&w->lock);
  w->dirty = 0;
  w->last_publish = now_s();
}

const DashSnapshot *worker_acquire(Worker *w) {
  pthread_mutex_lock(&w->lock);
  w->reading = w->front;
  const DashSnapshot *d = w->buf[w->front];
  pthread_mutex_unlock(&w->lock);
  return d;
}

uint64_t worker_applied(Worker *w) {
  pthread_mutex_lock(&w->lock);
  uint64_t a = w->front >= 0 ? w->buf[w->front]->applied : 0;
  pthread_mutex_unlock(&w->lock);
  return a;
}

void worker_release(Worker *w) {
  pthread_mutex_lock(&w->lock);
  w->reading = -1;
  pthread_mutex_unlock(&w->lock);
}

uint64_t worker_send(Worker *w, const Command *c) {
  pthread_mutex_lock(&w->lock);
  uint64_t seq = 0;
  if (w->qcount < QUEUE_CAP) {
    Queued *q = &w->queue[(w->qhead + w->qcount++) % QUEUE_CAP];
    q->cmd = *c;
    q->seq = seq = ++w->next_seq;
    pthread_cond_signal(&w->wake);
  }
  pthread_mutex_unlock(&w->lock);
  return seq;
}

/* --- the weight scope ----------------------------------------------------- */

/* The pinned weights' values now (after step `step`, run at `rate`) into the
 * feed; nothing when none is pinned or no step has run. */
static void capture_pins(Worker *w, uint64_t step, double rate) {
  if (!w->pins.n || !step) return;
  Trainer *t = w->s->trainer;
  trace_capture(&w->pins, step, rate, trainer_model(t), trainer_optimizer(t));
  feed_scope_step(w->feed, &w->pins);
}

/* Pins ref[0..n) to the scope (each checked against the model), with the
 * values they have now. Returns 0, or -1 with a note when the model has no
 * such weight (then nothing is pinned). */
static int set_pins(Worker *w, const TraceRef *ref, size_t n) {
  TraceSpec spec = {.n = n < TRACE_MAX ? n : TRACE_MAX};
  memcpy(spec.ref, ref, spec.n * sizeof *ref);
  size_t bad;
  int rc = trace_resolve(&spec, trainer_model(w->s->trainer), 0, &w->pins, &bad);
  if (rc)
    note(w, 1, "scope: the model has no weight %u:%u: nothing is pinned", spec.ref[bad].layer,
         spec.ref[bad].index);
  feed_scope_pins(w->feed, w->pins.ref, w->pins.n);
  capture_pins(w, w->feed->step, w->feed->rate);
  return rc;
}

/* After a restart or a new session: the same weights pinned again, when the
 * model still has them. */
static void repin(Worker *w) {
  TraceSnapshot was = w->pins;
  set_pins(w, was.ref, was.n);
}

/* --- the session ------------------------------------------------------- */

static void save_good(Worker *w);

int worker_session_open(Session *s, const Config *cfg, char *err, size_t errlen) {
  const SessionNeeds live = {.dashboard = 1, .live = 1};
  return session_open(s, cfg, &live, err, errlen);
}

/* The start of a run of w->s: its logs (app/run/session.h) and the
 * dashboard's feed as its sinks, a fresh dashboard history, and the state
 * before the first step as the last good one. Returns 0, or -1 with a
 * message when the logs could not be opened (the feed takes the steps all
 * the same). */
static int begin_run(Worker *w, char *err, size_t errlen) {
  if (!w->cfg.length_given) trainer_set_length(w->s->trainer, 0);
  rate_reset(w);
  int rc = session_open_logs(w->s, err, errlen);
  session_add_sink(w->s, feed_sink(w->feed));
  feed_reset(w->feed, trainer_model(w->s->trainer));
  w->last_stats = 0;
  save_good(w);
  return rc;
}

/* --- the last good state ------------------------------------------------------ */

static int good_sink(void *ctx, const void *data, size_t len) {
  Worker *w = ctx;
  if (w->good_len + len > w->good_cap) {
    size_t cap = w->good_cap ? w->good_cap : 1 << 20;
    while (cap < w->good_len + len) cap *= 2;
    uint8_t *p = realloc(w->good, cap);
    if (!p) return -1;
    w->good = p;
    w->good_cap = cap;
  }
  memcpy(w->good + w->good_len, data, len);
  w->good_len += len;
  return 0;
}

static void save_good(Worker *w) {
  char err[256];
  w->good_t = now_s();
  if (trainer_check_state(w->s->trainer, err, sizeof err)) return; /* keep the older one */
  w->good_len = 0;
  if (checkpoint_write(w->s->trainer, &(CkptExtra){0}, good_sink, w, err, sizeof err) == 0)
    w->good_step = w->feed->step;
  else
    w->good_len = 0, w->good_step = 0;
}

static void forget_good(Worker *w) {
  w->good_len = 0;
  w->good_step = 0;
  w->good_t = now_s();
}

/* Back to the last good state, with the current settings (they are kept). */
static int restore_good(Worker *w) {
  char err[512];
  if (!w->good_len) {
    note(w, 1, "no good state to go back to: r restarts");
    return -1;
  }
  Trainer *t = w->s->trainer;
  if (checkpoint_restore(t, w->good, w->good_len, err, sizeof err)) {
    note(w, 1, "cannot go back to step %llu: %s; r restarts", (unsigned long long)w->good_step, err);
    return -1;
  }
  Telemetry *tel = trainer_telemetry(t);
  if (tel) telemetry_resync(tel, trainer_model(t), 0);
  feed_truncate(w->feed, w->good_step);
  note(w, 0, "resumed from step %llu, the last good state, with the current settings",
       (unsigned long long)w->good_step);
  return 0;
}

/* --- commands ------------------------------------------------------------- */

static uint64_t next_step(Worker *w) { return w->feed->step + 1; }

static void set_opt(Worker *w, const OptConfig *to) {
  char label[40], text[DASH_TEXT], err[512];
  if (opt_change_apply(trainer_optimizer(w->s->trainer), w->s, next_step(w), to, label,
                       sizeof label, text, sizeof text, err, sizeof err)) {
    note(w, 1, "%s", err);
    return;
  }
  w->cfg.opt = *to;
  w->s->cfg.opt = *to;
  if (label[0]) {
    feed_mark(w->feed, next_step(w), label);
    note(w, 0, "%s", text);
  }
}

static void switch_opt(Worker *w, const OptConfig *to) {
  if (to->kind == optim_config(trainer_optimizer(w->s->trainer))->kind) {
    set_opt(w, to);
    return;
  }
  OptSwitch out;
  char err[512];
  if (opt_switch_apply(w->s, next_step(w), to, &out, err, sizeof err)) {
    note(w, 1, "%s", err);
    return;
  }
  w->cfg.opt = *to;
  w->s->cfg.opt = *to;
  char label[40];
  snprintf(label, sizeof label, "-> %s", optim_ops(to->kind)->name);
  feed_mark(w->feed, next_step(w), label);
  note(w, !out.exact, "%s", out.message);
}

static void restart(Worker *w) {
  char err[512];
  if (session_restart(w->s, &w->cfg, err, sizeof err)) {
    note(w, 1, "restart failed: %s", err);
    return;
  }
  forget_good(w);
  if (begin_run(w, err, sizeof err)) note(w, 1, "logs: %s", err);
  w->state = RUN_RUNNING;
  w->status[0] = 0;
  char opt[160];
  dash_opt_summary(&w->cfg.opt, opt, sizeof opt);
  note(w, 0, "restarted: %s %s", optim_ops(w->cfg.opt.kind)->name, opt);
  repin(w);
}

static void load(Worker *w, const Config *cfg) {
  char err[512];
  Session *ns = calloc(1, sizeof *ns);
  if (!ns) {
    note(w, 1, "out of memory");
    return;
  }
  if (worker_session_open(ns, cfg, err, sizeof err) != EXIT_OK) {
    session_close(ns);
    free(ns);
    note(w, 1, "%s", err);
    return;
  }
  session_close(w->s);
  free(w->s);
  w->s = ns;
  w->cfg = *cfg;
  w->loads++;
  forget_good(w);
  if (begin_run(w, err, sizeof err)) note(w, 1, "logs: %s", err);
  w->state = RUN_RUNNING;
  w->status[0] = 0;
  note(w, 0, "loaded: %s", cfg->preset[0] ? cfg->preset : "new settings");
  repin(w); /* after: a refusal is the message that shows */
}

static void fresh_name(char *buf, size_t len, const char *prefix, const char *suffix) {
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  snprintf(buf, len, "%s%s%s", prefix, stamp, suffix);
}

static void export_now(Worker *w, const char *path) {
  char dir[CONFIG_PATH_MAX], err[512];
  if (path[0]) snprintf(dir, sizeof dir, "%s", path);
  else if (w->cfg.export_dir[0]) snprintf(dir, sizeof dir, "%s", w->cfg.export_dir);
  else fresh_name(dir, sizeof dir, "flipscope-charts-", "");
  RunLog *log = &w->s->log;
  if (runlog_flush(log)) {
    note(w, 1, "export: no log to export from");
    return;
  }
  if (mkdir(dir, 0777) && errno != EEXIST) {
    note(w, 1, "export: cannot create %s: %s", dir, strerror(errno));
    return;
  }
  ExportOptions eo = {.title = log->paths.title};
  if (export_charts(log->paths.csv, log->jsonl ? log->paths.jsonl : NULL, dir, &eo, err,
                    sizeof err)) {
    note(w, 1, "export: %s", err);
    return;
  }
  char full[PATH_MAX];
  note(w, 0, "charts exported to %s/", realpath(dir, full) ? full : dir);
}

/* Saves the session with the current settings to path, with where its logs
 * stand. Returns 0 with "checkpoint saved to PATH ..." in msg, or -1 with
 * the reason in msg. */
static int save_checkpoint(Worker *w, const char *path, char *msg, size_t len) {
  char err[2048];
  w->s->cfg.opt = w->cfg.opt; /* the settings as retuned, saved with the state */
  RunFigures fig = {.test_acc = NAN, .val_acc = NAN};
  if (session_save(w->s, path, &fig, err, sizeof err)) {
    snprintf(msg, len, "save failed: %s", err);
    return -1;
  }
  snprintf(msg, len, "checkpoint saved to %s (resume: --load %s)", path, path);
  return 0;
}

static void save_now(Worker *w, const char *path) {
  char file[CONFIG_PATH_MAX], msg[CONFIG_PATH_MAX * 2 + 128]; /* the note keeps what fits */
  if (path[0]) snprintf(file, sizeof file, "%s", path);
  else if (w->cfg.save_path[0]) snprintf(file, sizeof file, "%s", w->cfg.save_path);
  else fresh_name(file, sizeof file, "flipscope-", ".ckpt");
  int rc = save_checkpoint(w, file, msg, sizeof msg);
  note(w, rc != 0, "%s", msg);
}

/* The run's length becomes steps (0: none): logged as a param_change and
 * kept for a restart; a run that was done goes on when it is longer now. */
static void set_length(Worker *w, size_t steps) {
  Trainer *t = w->s->trainer;
  size_t before = trainer_total_steps(t);
  if (steps == before) return;
  trainer_set_length(t, steps);
  Config *kept[] = {&w->cfg, &w->s->cfg}; /* for a restart, and for a checkpoint */
  for (int k = 0; k < 2; k++) {
    kept[k]->length_given = steps != 0;
    if (steps) kept[k]->train.max_steps = steps, kept[k]->train.epochs = 0;
  }
  session_param_change(w->s, next_step(w), "length", (double)before, (double)steps, NULL);
  int longer = steps == 0 || steps > w->feed->step;
  if (w->state == RUN_DONE && longer) w->state = RUN_RUNNING, w->status[0] = 0, rate_reset(w);
  if (steps) note(w, 0, "length %zu steps%s", steps, longer ? "" : ": the run ends here");
  else note(w, 0, "no length: the run trains until you stop it");
}

static void apply(Worker *w, const Command *c) {
  switch (c->kind) {
  case CMD_TOGGLE:
    if (w->state == RUN_RUNNING) w->state = RUN_PAUSED;
    else if (w->state == RUN_DONE) note(w, 0, DONE_TEXT);
    else if (w->state == RUN_PAUSED || restore_good(w) == 0)
      w->state = RUN_RUNNING, w->status[0] = 0, rate_reset(w);
    break;
  case CMD_PAUSE:
    if (w->state == RUN_RUNNING) w->state = RUN_PAUSED;
    break;
  case CMD_STEP:
    if (w->state == RUN_PAUSED) w->step_once = 1;
    else if (w->state == RUN_DIVERGED && restore_good(w) == 0)
      w->state = RUN_PAUSED, w->status[0] = 0, w->step_once = 1;
    break;
  case CMD_SET_OPT:
    if (c->opt.kind != optim_config(trainer_optimizer(w->s->trainer))->kind) switch_opt(w, &c->opt);
    else set_opt(w, &c->opt);
    break;
  case CMD_SWITCH_OPT: switch_opt(w, &c->opt); break;
  case CMD_RESTART: restart(w); break;
  case CMD_LOAD: load(w, &c->cfg); break;
  case CMD_SAVE: save_now(w, c->path); break;
  case CMD_EXPORT: export_now(w, c->path); break;
  case CMD_SET_LENGTH: set_length(w, (size_t)c->value); break;
  case CMD_SET_PACE:
    w->pace = c->value;
    rate_reset(w);
    break;
  case CMD_SET_PINS: set_pins(w, c->pin, c->n_pins); break;
  }
  w->dirty = 1;
}

/* --- the loop ------------------------------------------------------------- */

static void run_step(Worker *w) {
  Trainer *t = w->s->trainer;
  Telemetry *tel = trainer_telemetry(t);
  double t0 = now_s(), eval0 = trainer_times(t)->eval;
  if (tel && t0 - w->last_stats >= STATS_S) {
    telemetry_request_stats(tel);
    w->last_stats = t0;
  }
  StepReport r;
  char err[512];
  int got = trainer_step(t, &r, err, sizeof err);
  int once = w->step_once;
  w->step_once = 0;
  if (got == 1) {
    capture_pins(w, r.step, r.rate);
    char log_err[512];
    if (session_record(w->s, &r, log_err, sizeof log_err)) note(w, 1, "%s", log_err);
    w->stats.steps++;
    if (once) w->dirty = 1;
    if (now_s() - w->good_t >= GOOD_S) save_good(w);
  } else if (got == 0) {
    w->state = RUN_DONE;
    snprintf(w->status, sizeof w->status, DONE_TEXT);
    w->dirty = 1;
  } else {
    w->state = RUN_DIVERGED;
    snprintf(w->status, sizeof w->status,
             "diverged: %.200s; lower the rate (-), then space resumes from step %llu", err,
             (unsigned long long)w->good_step);
    w->dirty = 1;
  }
  double t1 = now_s();
  w->stats.run_s += t1 - t0;
  w->stats.eval_s += trainer_times(t)->eval - eval0;
  if (got == 1 && !once) rate_note(w, t1, r.step);
}

/* Seconds until the next step is due: 0 now, the rest of a pace's wait, or
 * -1 when none is (the run is paused, done or diverged). */
static double step_due_in(const Worker *w) {
  if (w->step_once) return 0;
  if (w->state != RUN_RUNNING) return -1;
  if (w->pace <= 0) return 0;
  double wait = w->last_start + 1 / w->pace - now_s();
  return wait > 0 ? wait : 0;
}

static void *worker_main(void *arg) {
  Worker *w = arg;
  for (;;) {
    pthread_mutex_lock(&w->lock);
    for (;;) {
      while (w->qcount) {
        Queued *q = &w->queue[w->qhead];
        w->current = q->cmd;
        uint64_t seq = q->seq;
        w->qhead = (w->qhead + 1) % QUEUE_CAP;
        w->qcount--;
        pthread_mutex_unlock(&w->lock);
        apply(w, &w->current);
        pthread_mutex_lock(&w->lock);
        w->applied = seq;
      }
      double due = step_due_in(w);
      if (w->quit || due == 0) break;
      if (w->dirty) {
        pthread_mutex_unlock(&w->lock);
        publish(w);
        pthread_mutex_lock(&w->lock);
        continue;
      }
      long wait_ns = due > 0 && due < 0.2 ? (long)(due * 1e9) + 1 : 200 * 1000000L;
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += wait_ns;
      if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
      pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    int quit = w->quit;
    pthread_mutex_unlock(&w->lock);
    if (quit) break;
    if (w->dirty) publish(w); /* a command's effect shows before a long step */
    w->last_start = now_s();
    run_step(w);
    /* at a pace every step is published, so every step is drawn */
    if (w->dirty || w->pace > 0 || now_s() - w->last_publish >= PUBLISH_S) publish(w);
  }
  publish(w);
  return NULL;
}

Worker *worker_start(Session *s, const Config *cfg, int start_paused, char *err, size_t errlen) {
  Worker *w = calloc(1, sizeof *w);
  if (!w) goto oom;
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->wake, NULL);
  w->s = s;
  w->feed = calloc(1, sizeof *w->feed);
  w->queue = calloc(QUEUE_CAP, sizeof *w->queue);
  for (int b = 0; b < 3; b++) w->buf[b] = calloc(1, sizeof *w->buf[b]);
  if (!w->feed || !w->queue || !w->buf[0] || !w->buf[1] || !w->buf[2]) goto oom;
  w->cfg = *cfg;
  w->front = w->reading = -1;
  w->state = start_paused ? RUN_PAUSED : RUN_RUNNING;
  w->pace = cfg->pace;
  w->stats.batch = cfg->train.batch;
  if (begin_run(w, err, errlen)) {
    worker_stop(w, NULL, NULL, 0);
    return NULL;
  }
  if (s->resumed) w->feed->step = w->good_step = s->resumed_step; /* --load */
  const TraceSnapshot *traced = trainer_trace(s->trainer); /* --trace-weights: pinned at start */
  if (traced) set_pins(w, traced->ref, traced->n);
  publish(w);
  if (pthread_create(&w->thread, NULL, worker_main, w)) {
    snprintf(err, errlen, "cannot start the training thread");
    worker_stop(w, NULL, NULL, 0);
    return NULL;
  }
  w->thread_started = 1;
  return w;
oom:
  snprintf(err, errlen, "out of memory");
  if (w) {
    worker_stop(w, NULL, NULL, 0);
  } else {
    session_close(s);
    free(s);
  }
  return NULL;
}

/* Ends the training thread once it has applied the commands already queued
 * (nothing when it has ended already). */
static void stop_thread(Worker *w) {
  if (!w->thread_started) return;
  pthread_mutex_lock(&w->lock);
  w->quit = 1;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  w->thread_started = 0;
}

int worker_save_at_exit(Worker *w, const char *path, char *msg, size_t len) {
  stop_thread(w);
  if (w->state == RUN_DIVERGED && restore_good(w)) {
    snprintf(msg, len, "save failed: the run diverged: %s", w->note);
    return -1;
  }
  int rc = save_checkpoint(w, path, msg, len);
  if (rc == 0 && w->state == RUN_DIVERGED) {
    size_t used = strlen(msg);
    snprintf(msg + used, len - used, "; the run had diverged: this is its last good state, step %llu",
             (unsigned long long)w->good_step);
  }
  return rc;
}

/* The end of the run: its sinks closed (the logs last), then the --export
 * charts drawn from the logs unless the run diverged. Returns 0, or -1 with
 * the first failure in err. */
static int end_run(Worker *w, char *err, size_t errlen) {
  int rc = 0;
  char msg[512];
  for (int got; (got = session_close_sink(w->s, msg, sizeof msg)) != 0;)
    if (got < 0 && rc == 0) {
      snprintf(err, errlen, "%s", msg);
      rc = -1;
    }
  if (rc == 0 && w->state != RUN_DIVERGED) rc = run_charts_render(&w->s->log.paths, err, errlen);
  return rc;
}

int worker_stop(Worker *w, WorkerStats *stats, char *err, size_t errlen) {
  int rc = 0;
  char buf[512];
  stop_thread(w);
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->wake);
  if (stats) *stats = w->stats;
  if (w->s) {
    if (end_run(w, buf, sizeof buf)) {
      rc = -1;
      if (err) snprintf(err, errlen, "%s", buf);
    }
    session_close(w->s);
    free(w->s);
  }
  free(w->feed);
  free(w->good);
  free(w->queue);
  for (int b = 0; b < 3; b++) free(w->buf[b]);
  free(w);
  return rc;
}
