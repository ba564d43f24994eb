/* headless.c — the scripted front end. */
#include "app/commands/headless.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/io/atomic_file.h"
#include "app/system/blas_setup.h"
#include "app/run/opt_change.h"
#include "app/run/outputs.h"
#include "app/logs/resume.h"
#include "app/logs/runlog.h"
#include "app/live/screen_text.h"
#include "app/run/session.h"
#include "app/system/signals.h"
#include "engine/settings.h"
#include "engine/simd.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Flips of the whole run, and of its first step alone: from zero filter state
 * step 1 sets every weight to -sign(g), which flips about half of them. */
typedef struct {
  unsigned long long total, first;
} FlipCounts;

/* Running means over the current epoch, for progress lines and the summary;
 * the mean flip ratio is the paper's ff_ratio (share of binary weights whose
 * sign changed in a step, averaged over the epoch's steps, step 1 included). */
typedef struct {
  double loss, acc, flip_ratio;
  size_t steps;
} EpochMeans;

static void progress_line(FILE *out, const Session *s, const StepReport *r, const EpochMeans *e,
                          double test_acc, double samples_per_s, int live) {
  size_t total = trainer_total_steps(s->trainer);
  char test[32] = "";
  if (!isnan(test_acc)) snprintf(test, sizeof test, "  test %.2f%%", 100 * test_acc);
  /* On a terminal the line is redrawn in place and starts with a bar of the run's progress. */
  enum { BAR = 20 };
  char bar[BAR + 4] = "";
  if (live) {
    size_t filled = total ? (size_t)(BAR * r->step / total) : 0;
    bar[0] = '[';
    for (size_t i = 0; i < BAR; i++) bar[1 + i] = i < filled ? '#' : '.';
    memcpy(bar + 1 + BAR, "] ", 3);
  }
  fprintf(out, "%s%sepoch %zu/%zu  step %llu/%zu  loss %.4f  train %.2f%%%s  flips %zu  ff_ratio %.3g%%  "
          "%.0f samples/s%s",
          live ? "\r\033[K" : "", bar, r->epoch + 1, trainer_epochs(s->trainer),
          (unsigned long long)r->step, total, e->loss / (double)e->steps,
          100 * e->acc / (double)e->steps, test, r->flips, 100 * e->flip_ratio / (double)e->steps,
          samples_per_s, live ? "" : "\n");
  fflush(out);
}

static void print_summary(FILE *out, const Session *s, const StepReport *last, const EpochMeans *e,
                          double test_acc, double train_s, double startup_s,
                          const FlipCounts *flips) {
  const PhaseTimes *pt = trainer_times(s->trainer);
  double phases = pt->data + pt->forward + pt->backward + pt->optimizer;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  char model[128];
  model_spec_format(&s->cfg.model, model, sizeof model);
  size_t samples = (size_t)(last->step - s->resumed_step) * s->cfg.train.batch;
  char val[48] = ""; /* with --val-frac */
  if (s->data.val.n) snprintf(val, sizeof val, "\"val_acc\":%.4f,", s->val_acc);
  fprintf(out, "{\"test_acc\":%.4f,%s\"train_acc\":%.4f,\"loss\":%.6f,\"steps\":%llu,\"epochs\":%.3f,"
         "\"train_s\":%.3f,\"samples_per_s\":%.1f,\"flips_total\":%llu,"
         "\"flips_first_step\":%llu,\"flips_after_first\":%llu,\"ff_ratio\":%.6g,"
         "\"data\":\"%s\",\"model\":\"%s\",\"opt\":\"%s\",\"threads\":%d,\"simd\":\"%s\","
         "\"blas_core\":\"%s\",\"precision\":\"%s\",\"startup_s\":%.3f,\"eval_s\":%.3f,\"peak_rss_mb\":%.1f,"
         "\"phase_share\":{\"data\":%.4f,\"forward\":%.4f,\"backward\":%.4f,\"optimizer\":%.4f}}\n",
         test_acc, val, e->acc / (double)e->steps, e->loss / (double)e->steps,
         (unsigned long long)last->step,
         (double)last->step / (double)trainer_steps_per_epoch(s->trainer), train_s,
         (double)samples / train_s, flips->total, flips->first, flips->total - flips->first,
         e->flip_ratio / (double)e->steps, s->data.name, model,
         optim_ops(s->cfg.opt.kind)->name, s->threads, simd_name(simd_active()),
         blas_core_name(), precision_name(s->cfg.train.precision), startup_s, pt->eval, (double)ru.ru_maxrss / 1024.0,
         pt->data / phases, pt->forward / phases, pt->backward / phases, pt->optimizer / phases);
  fflush(out);
}

/* The final figures of a run, for its summary. */
typedef struct {
  const Session *s;
  const StepReport *last;
  const EpochMeans *e;
  double test_acc, train_s, startup_s;
  const FlipCounts *flips;
} Summary;

/* AtomicFill: the summary. */
static int fill_summary(FILE *f, void *ctx, char *msg, size_t msglen) {
  const Summary *m = ctx;
  (void)msg, (void)msglen;
  print_summary(f, m->s, m->last, m->e, m->test_acc, m->train_s, m->startup_s, m->flips);
  return ferror(f) ? -1 : 0;
}

/* --result FILE: the summary again, written atomically (app/io/atomic_file.h),
 * so FILE exists only when complete (sweeps skip points whose result exists). */
static int write_result(const char *path, const Summary *m) {
  char err[CONFIG_PATH_MAX + 256];
  if (atomic_file_write(path, "the result", fill_summary, (void *)m, err, sizeof err) == 0) return 0;
  fprintf(stderr, "flipscope: --result %s\n", err);
  return -1;
}

/* --save: the checkpoint with the running figures and where the logs stand
 * (app/logs/resume.h), after the logs were made durable. */
static int save_run(Session *s, RunLog *log, const EpochMeans *e, const FlipCounts *flips,
                    double test_acc, char *err, size_t errlen) {
  RunFigures fig = {.flips_total = flips->total, .flips_first = flips->first,
                    .epoch_loss = e->loss, .epoch_acc = e->acc, .epoch_flip_ratio = e->flip_ratio,
                    .epoch_steps = e->steps, .test_acc = test_acc, .val_acc = s->val_acc};
  if (runlog_mark(log, &fig.csv, &fig.jsonl, err, errlen)) return -1;
  size_t len = run_figures_encode(&fig, NULL, 0);
  char *app = malloc(len + 1);
  if (!app) {
    snprintf(err, errlen, "--save %s: out of memory", s->cfg.save_path);
    return -1;
  }
  run_figures_encode(&fig, app, len + 1);
  int rc = session_save(s, s->cfg.save_path, app, len, err, errlen);
  free(app);
  return rc;
}

/* --change: the settings due before step `next`, applied between steps as the
 * live view applies a key (the optimizer keeps its state; the log records a
 * param_change). Returns 0, or -1 with a message. */
static int apply_changes(Session *s, RunLog *log, const Config *cfg, uint64_t next, int live,
                         char *err, size_t errlen) {
  if (next > trainer_total_steps(s->trainer)) return 0;
  Optimizer *o = trainer_optimizer(s->trainer);
  OptConfig to = *optim_config(o);
  int due = 0;
  for (size_t i = 0; i < cfg->n_changes; i++) {
    const ConfigChange *c = &cfg->changes[i];
    if (c->step != next) continue;
    setting_set(setting_live(&to, c->name), &to, c->value); /* config_parse checked the name */
    due = 1;
  }
  if (!due) return 0;
  char text[160];
  if (opt_change_apply(o, log, next, &to, NULL, 0, text, sizeof text, err, errlen)) return -1;
  s->cfg.opt = to;
  if (text[0]) fprintf(stderr, "%sflipscope: %s\n", live ? "\r\033[K" : "", text);
  return 0;
}

int headless_run(const Config *cfg) {
  char err[2048];
  Session s;
  signals_install();
  int rc = session_open(&s, cfg, err, sizeof err);
  RunLog log = {0};
  /* Refused before any log is touched. */
  if (rc == EXIT_OK && s.resumed && s.resumed_step >= trainer_total_steps(s.trainer)) {
    snprintf(err, sizeof err, "--load %s: the run is already at step %llu of %zu; raise --steps or "
             "--epochs to train further", cfg->load_path, (unsigned long long)s.resumed_step,
             trainer_total_steps(s.trainer));
    rc = EXIT_USAGE;
  }
  /* A resumed run keeps its logs' records up to the checkpoint. */
  if (rc == EXIT_OK && runlog_open_continuing(&log, cfg, &s, err, sizeof err)) rc = EXIT_RUNTIME;
  if (rc == EXIT_OK && session_resume_telemetry(&s, err, sizeof err)) rc = EXIT_RUNTIME;
  ScreenRec *screen = NULL; /* --screen: the final dashboard as text */
  if (rc == EXIT_OK && cfg->screen_path[0] && !(screen = screen_open(&s, cfg, err, sizeof err)))
    rc = EXIT_RUNTIME;
  if (rc != EXIT_OK) {
    fprintf(stderr, "flipscope: %s\n", err);
    session_close(&s);
    return rc;
  }
  const int live = isatty(STDERR_FILENO);
  StepReport r = {0};
  EpochMeans epoch = {0};
  double test_acc = NAN, startup_s = 0, last_draw = 0;
  FlipCounts flips = {0};
  char log_err[1024] = ""; /* a log that could not be written */
  RunFigures fig = {.test_acc = NAN, .val_acc = NAN};
  if (s.resumed && run_figures_decode(s.resume_app, s.resume_app_len, &fig) == 0) {
    epoch = (EpochMeans){fig.epoch_loss, fig.epoch_acc, fig.epoch_flip_ratio, fig.epoch_steps};
    flips = (FlipCounts){fig.flips_total, fig.flips_first};
    test_acc = fig.test_acc;
    s.val_acc = fig.val_acc;
  }
  for (;;) {
    if (signals_caught()) break; /* between steps: save and flush below */
    if (r.step == 0) startup_s = session_uptime();
    if (apply_changes(&s, &log, cfg, (r.step ? r.step : s.resumed_step) + 1, live, err, sizeof err)) {
      fprintf(stderr, "%sflipscope: %s\n", live ? "\n" : "", err);
      rc = EXIT_RUNTIME;
      break;
    }
    int got = trainer_step(s.trainer, &r, err, sizeof err);
    if (got <= 0) {
      if (got < 0) {
        fprintf(stderr, "%sflipscope: %s\n", live ? "\n" : "", err);
        rc = EXIT_RUNTIME;
      }
      break;
    }
    if (r.epoch != 0 && (r.step - 1) % trainer_steps_per_epoch(s.trainer) == 0)
      epoch = (EpochMeans){0};
    epoch.loss += r.loss;
    epoch.acc += r.train_acc;
    epoch.flip_ratio += r.flip_ratio;
    epoch.steps++;
    flips.total += r.flips;
    if (r.step == 1) flips.first = r.flips;
    if (!isnan(r.test_acc)) test_acc = r.test_acc;
    if (!isnan(r.test_acc) && s.data.val.n) s.val_acc = trainer_evaluate(s.trainer, &s.data.val, NULL);
    if (runlog_step(&log, &r, log_err, sizeof log_err)) { /* a full disk: stop now, and save */
      rc = EXIT_RUNTIME;
      break;
    }
    if (screen) screen_step(screen, &r);
    if (cfg->save_path[0] && cfg->save_every && r.step % cfg->save_every == 0 &&
        save_run(&s, &log, &epoch, &flips, test_acc, err, sizeof err)) {
      fprintf(stderr, "%sflipscope: %s\n", live ? "\n" : "", err);
      rc = EXIT_RUNTIME;
      break;
    }
    const PhaseTimes *pt = trainer_times(s.trainer);
    double busy = pt->data + pt->forward + pt->backward + pt->optimizer;
    double speed = (double)((r.step - s.resumed_step) * cfg->train.batch) / busy;
    int epoch_end = r.step % trainer_steps_per_epoch(s.trainer) == 0 ||
                    r.step == trainer_total_steps(s.trainer);
    if (epoch_end) {
      if (live) fputs("\r\033[K", stderr); /* the epoch's line replaces the live one */
      progress_line(stderr, &s, &r, &epoch, test_acc, speed, 0);
      last_draw = now_s();
    } else if (live && now_s() - last_draw > 0.1) {
      progress_line(stderr, &s, &r, &epoch, test_acc, speed, 1);
      last_draw = now_s();
    }
  }
  const int sig = signals_caught();
  int saved = 0; /* at the end, on a signal and after a log failed (not after other failures) */
  if ((rc == EXIT_OK || log_err[0]) && cfg->save_path[0]) {
    if (save_run(&s, &log, &epoch, &flips, test_acc, err, sizeof err)) {
      fprintf(stderr, "%sflipscope: %s\n", live ? "\n" : "", err);
      rc = EXIT_RUNTIME;
    } else {
      saved = 1;
    }
  }
  if (log_err[0])
    fprintf(stderr, "%sflipscope: %s; stopped after step %llu%s%s\n", live ? "\n" : "", log_err,
            (unsigned long long)r.step, saved ? "; saved " : "", saved ? cfg->save_path : "");
  if (sig) {
    uint64_t at = r.step ? r.step : s.resumed_step;
    fprintf(stderr, "%sflipscope: %s: stopped after step %llu%s%s\n", live ? "\n" : "",
            signals_name(sig), (unsigned long long)at, saved ? "; saved " : "",
            saved ? cfg->save_path : "");
    if (screen && screen_close(screen, err, sizeof err)) fprintf(stderr, "flipscope: %s\n", err);
    if (runlog_close(&log, 0, err, sizeof err)) fprintf(stderr, "flipscope: %s\n", err);
    session_close(&s);
    return rc == EXIT_OK ? 128 + sig : rc;
  }
  if (screen && screen_close(screen, err, sizeof err)) {
    fprintf(stderr, "flipscope: %s\n", err);
    rc = EXIT_RUNTIME;
  }
  screen = NULL;
  if (runlog_close(&log, rc == EXIT_OK && r.step > 0, err, sizeof err)) {
    fprintf(stderr, "flipscope: %s\n", err);
    rc = signals_caught() ? 128 + signals_caught() : EXIT_RUNTIME; /* e.g. SIGINT during the export */
  }
  if (rc == EXIT_OK && r.step > 0) {
    /* Training time: the four phases of every step, not evaluation. */
    const PhaseTimes *pt = trainer_times(s.trainer);
    double train_s = pt->data + pt->forward + pt->backward + pt->optimizer;
    Summary sum = {&s, &r, &epoch, test_acc, train_s, startup_s, &flips};
    print_summary(stdout, &s, &r, &epoch, test_acc, train_s, startup_s, &flips);
    if (cfg->result_path[0] && write_result(cfg->result_path, &sum)) rc = EXIT_RUNTIME;
    if (outputs_flush_stdout("the summary")) rc = EXIT_RUNTIME;
  }
  session_close(&s);
  return rc;
}
