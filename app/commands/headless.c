/* headless.c — the scripted front end. */
#include "app/commands/headless.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/charts/run_charts.h"
#include "app/io/atomic_file.h"
#include "app/live/screen_text.h"
#include "app/run/opt_change.h"
#include "app/run/outputs.h"
#include "app/run/session.h"
#include "app/system/blas_setup.h"
#include "app/system/signals.h"
#include "engine/augment.h"
#include "engine/settings.h"
#include "engine/simd.h"
#include "views/dash.h"

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
  /* The real layers, as keys of their own after "model" (none without them). */
  const ModelSpec *spec = &s->cfg.model;
  const char *real = spec->real_first && spec->real_last ? "\"real_first\":true,\"real_last\":true,"
                     : spec->real_first                  ? "\"real_first\":true,"
                     : spec->real_last                   ? "\"real_last\":true,"
                                                         : "";
  char ste[80] = ""; /* an estimator and a scale other than the defaults */
  if (spec->ste != STE_HARDTANH) snprintf(ste, sizeof ste, "\"ste\":\"%s\",", ste_names[spec->ste]);
  if (spec->scale != SCALE_NONE)
    snprintf(ste + strlen(ste), sizeof ste - strlen(ste), "\"scale\":\"%s\",",
             scale_names[spec->scale]);
  char augment[48] = ""; /* with --augment */
  if (s->cfg.train.augment)
    snprintf(augment, sizeof augment, "\"augment\":\"%s\",", augment_name(s->cfg.train.augment));
  size_t samples = (size_t)(last->step - s->resumed_step) * s->cfg.train.batch;
  char val[48] = ""; /* with --val-frac */
  if (s->data.val.n) snprintf(val, sizeof val, "\"val_acc\":%.4f,", s->val_acc);
  fprintf(out, "{\"test_acc\":%.4f,%s\"train_acc\":%.4f,\"loss\":%.6f,\"steps\":%llu,\"epochs\":%.3f,"
         "\"train_s\":%.3f,\"samples_per_s\":%.1f,\"flips_total\":%llu,"
         "\"flips_first_step\":%llu,\"flips_after_first\":%llu,\"ff_ratio\":%.6g,"
         "\"data\":\"%s\",\"model\":\"%s\",%s%s%s\"opt\":\"%s\",\"threads\":%d,\"simd\":\"%s\","
         "\"blas_core\":\"%s\",\"precision\":\"%s\",\"startup_s\":%.3f,\"eval_s\":%.3f,\"peak_rss_mb\":%.1f,"
         "\"phase_share\":{\"data\":%.4f,\"forward\":%.4f,\"backward\":%.4f,\"optimizer\":%.4f}}\n",
         test_acc, val, e->acc / (double)e->steps, e->loss / (double)e->steps,
         (unsigned long long)last->step,
         (double)last->step / (double)trainer_steps_per_epoch(s->trainer), train_s,
         (double)samples / train_s, flips->total, flips->first, flips->total - flips->first,
         e->flip_ratio / (double)e->steps, s->data.name, model, real, ste, augment,
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

/* A headless run between its steps: the session and the running figures. */
typedef struct {
  Session s;
  const Config *cfg;
  int live;              /* stderr is a terminal: the progress line is redrawn in place */
  StepReport r;          /* the last step */
  EpochMeans epoch;
  FlipCounts flips;
  double test_acc, startup_s, last_draw;
  char log_err[1024];    /* a log that could not be written ("" : none) */
} Run;

/* --save: the checkpoint with the running figures and where the logs stand
 * (app/logs/resume.h), after the logs were made durable. */
static int save_run(Run *h, char *err, size_t errlen) {
  RunFigures fig = {.flips_total = h->flips.total, .flips_first = h->flips.first,
                    .epoch_loss = h->epoch.loss, .epoch_acc = h->epoch.acc,
                    .epoch_flip_ratio = h->epoch.flip_ratio, .epoch_steps = h->epoch.steps,
                    .test_acc = h->test_acc, .val_acc = h->s.val_acc};
  return session_save(&h->s, h->cfg->save_path, &fig, err, errlen);
}

/* Prints a --change's message, clearing the progress line first. */
static void change_note(const Run *h, const char *text) {
  if (text[0]) fprintf(stderr, "%sflipscope: %s\n", h->live ? "\r\033[K" : "", text);
}

/* --change: what is due before step `next`, applied between steps as the
 * live view applies it: a switch of optimizer as its menu does (the state
 * mapped, exactly where there is an exact equivalent), then the settings as
 * its keys do (the optimizer keeps its state); the log records a
 * param_change for each. Returns 0, or -1 with a message. */
static int apply_changes(Run *h, uint64_t next, char *err, size_t errlen) {
  Session *s = &h->s;
  int due = 0;
  for (size_t i = 0; i < h->cfg->n_changes; i++) due |= h->cfg->changes[i].step == next;
  if (!due || next > trainer_total_steps(s->trainer)) return 0;
  Optimizer *o = trainer_optimizer(s->trainer);
  OptConfig to = *optim_config(o), switched;
  const ConfigChange *bad; /* none: config_parse checked the names */
  if (config_change_step(h->cfg, next, optim_steps(o), &to, &switched, &bad) &&
      switched.kind != optim_config(o)->kind) {
    OptSwitch out;
    if (opt_switch_apply(s, next, &switched, &out, err, errlen)) return -1;
    change_note(h, out.message);
  }
  char text[160];
  if (opt_change_apply(o, s, next, &to, NULL, 0, text, sizeof text, err, errlen)) return -1;
  s->cfg.opt = to;
  change_note(h, text);
  return 0;
}

/* Opens the run as the live view does (app/run/session.h), refusing a
 * --load checkpoint with nothing left to train before any log is touched,
 * and takes over a resumed run's figures. Returns an exit code (the message
 * in err). */
static int open_run(Run *h, const Config *cfg, char *err, size_t errlen) {
  memset(h, 0, sizeof *h);
  h->cfg = cfg;
  h->test_acc = NAN;
  Session *s = &h->s;
  const SessionNeeds needs = {.dashboard = cfg->screen_path[0] != 0};
  int rc = session_open(s, cfg, &needs, err, errlen);
  if (rc != EXIT_OK) return rc;
  if (s->resumed && !cfg->length_given) {
    snprintf(err, errlen, "--load %s: the run it holds has no length (a live run trained until "
             "stopped): give --steps N or --epochs N to train it on headless", cfg->load_path);
    return EXIT_USAGE;
  }
  if (s->resumed && s->resumed_step >= trainer_total_steps(s->trainer)) {
    snprintf(err, errlen, "--load %s: the run is already at step %llu of %zu; raise --steps or "
             "--epochs to train further", cfg->load_path, (unsigned long long)s->resumed_step,
             trainer_total_steps(s->trainer));
    return EXIT_USAGE;
  }
  /* A resumed run keeps its logs' records up to the checkpoint. */
  if (session_open_logs(s, err, errlen)) return EXIT_RUNTIME;
  if (cfg->screen_path[0]) { /* --screen: the final dashboard as text */
    ScreenRec *screen = screen_open(s, cfg, err, errlen);
    if (!screen) return EXIT_RUNTIME;
    session_add_sink(s, screen_sink(screen));
  }
  if (s->resumed) {
    const RunFigures *f = &s->resume;
    h->epoch = (EpochMeans){f->epoch_loss, f->epoch_acc, f->epoch_flip_ratio, f->epoch_steps};
    h->flips = (FlipCounts){f->flips_total, f->flips_first};
    h->test_acc = f->test_acc;
    s->val_acc = f->val_acc;
  }
  h->live = isatty(STDERR_FILENO);
  return EXIT_OK;
}

/* After step h->r: the running figures (the epoch's means, the flips, the
 * last test and validation accuracy). */
static void took_step(Run *h) {
  Session *s = &h->s;
  const StepReport *r = &h->r;
  if (r->epoch != 0 && (r->step - 1) % trainer_steps_per_epoch(s->trainer) == 0)
    h->epoch = (EpochMeans){0};
  h->epoch.loss += r->loss;
  h->epoch.acc += r->train_acc;
  h->epoch.flip_ratio += r->flip_ratio;
  h->epoch.steps++;
  h->flips.total += r->flips;
  if (r->step == 1) h->flips.first = r->flips;
  if (!isnan(r->test_acc)) h->test_acc = r->test_acc;
  if (!isnan(r->test_acc) && s->data.val.n) s->val_acc = trainer_evaluate(s->trainer, &s->data.val, NULL);
}

/* The progress line after step h->r: at each epoch's end, and on a terminal
 * redrawn at most ten times a second. */
static void show_progress(Run *h) {
  Session *s = &h->s;
  const StepReport *r = &h->r;
  const PhaseTimes *pt = trainer_times(s->trainer);
  double busy = pt->data + pt->forward + pt->backward + pt->optimizer;
  double speed = (double)((r->step - s->resumed_step) * h->cfg->train.batch) / busy;
  int epoch_end = r->step % trainer_steps_per_epoch(s->trainer) == 0 ||
                  r->step == trainer_total_steps(s->trainer);
  if (epoch_end) {
    if (h->live) fputs("\r\033[K", stderr); /* the epoch's line replaces the live one */
    progress_line(stderr, s, r, &h->epoch, h->test_acc, speed, 0);
    h->last_draw = now_s();
  } else if (h->live && now_s() - h->last_draw > 0.1) {
    progress_line(stderr, s, r, &h->epoch, h->test_acc, speed, 1);
    h->last_draw = now_s();
  }
}

/* Trains until the end, a signal or a failure; every step goes to the
 * session's sinks. Returns EXIT_OK, or EXIT_RUNTIME after saying why (a log
 * that could not be written is left in h->log_err, for the run's end). */
static int train(Run *h, char *err, size_t errlen) {
  Session *s = &h->s;
  const char *nl = h->live ? "\n" : "";
  while (!signals_caught()) { /* a signal stops between steps: save and flush at the end */
    if (h->r.step == 0) h->startup_s = session_uptime();
    if (apply_changes(h, (h->r.step ? h->r.step : s->resumed_step) + 1, err, errlen)) {
      fprintf(stderr, "%sflipscope: %s\n", nl, err);
      return EXIT_RUNTIME;
    }
    int got = trainer_step(s->trainer, &h->r, err, errlen);
    if (got <= 0) {
      if (got < 0) fprintf(stderr, "%sflipscope: %s\n", nl, err);
      return got < 0 ? EXIT_RUNTIME : EXIT_OK;
    }
    took_step(h);
    if (session_record(s, &h->r, h->log_err, sizeof h->log_err))
      return EXIT_RUNTIME; /* a full disk: stop now, and save */
    if (h->cfg->save_path[0] && h->cfg->save_every && h->r.step % h->cfg->save_every == 0 &&
        save_run(h, err, errlen)) {
      fprintf(stderr, "%sflipscope: %s\n", nl, err);
      return EXIT_RUNTIME;
    }
    show_progress(h);
  }
  return EXIT_OK;
}

/* Closes the sinks (the --screen file, then the logs), each failure said on
 * stderr. Returns 0, or -1 when one failed. */
static int close_sinks(Run *h, char *err, size_t errlen) {
  int rc = 0;
  for (int got; (got = session_close_sink(&h->s, err, errlen)) != 0;)
    if (got < 0) {
      fprintf(stderr, "flipscope: %s\n", err);
      rc = -1;
    }
  return rc;
}

/* The end of a run that trained to the end: the sinks closed, the --export
 * charts drawn from the closed logs, the summary on stdout and in --result. */
static int finish(Run *h, int rc, char *err, size_t errlen) {
  if (close_sinks(h, err, errlen)) rc = signals_caught() ? 128 + signals_caught() : EXIT_RUNTIME;
  if (rc != EXIT_OK || h->r.step == 0) return rc;
  if (run_charts_render(&h->s.log.paths, err, errlen)) {
    fprintf(stderr, "flipscope: %s\n", err);
    return signals_caught() ? 128 + signals_caught() : EXIT_RUNTIME; /* e.g. SIGINT during the export */
  }
  /* Training time: the four phases of every step, not evaluation. */
  const PhaseTimes *pt = trainer_times(h->s.trainer);
  double train_s = pt->data + pt->forward + pt->backward + pt->optimizer;
  Summary sum = {&h->s, &h->r, &h->epoch, h->test_acc, train_s, h->startup_s, &h->flips};
  print_summary(stdout, &h->s, &h->r, &h->epoch, h->test_acc, train_s, h->startup_s, &h->flips);
  if (h->cfg->result_path[0] && write_result(h->cfg->result_path, &sum)) rc = EXIT_RUNTIME;
  if (outputs_flush_stdout("the summary")) rc = EXIT_RUNTIME;
  return rc;
}

/* After training stopped: the checkpoint (at the end, on a signal and after a
 * log failed; not after other failures), what stopped it, and the end. */
static int stop_run(Run *h, int rc, char *err, size_t errlen) {
  const Config *cfg = h->cfg;
  const char *nl = h->live ? "\n" : "";
  const int sig = signals_caught();
  int saved = 0;
  if ((rc == EXIT_OK || h->log_err[0]) && cfg->save_path[0]) {
    if (save_run(h, err, errlen)) {
      fprintf(stderr, "%sflipscope: %s\n", nl, err);
      rc = EXIT_RUNTIME;
    } else {
      saved = 1;
    }
  }
  if (h->log_err[0])
    fprintf(stderr, "%sflipscope: %s; stopped after step %llu%s%s\n", nl, h->log_err,
            (unsigned long long)h->r.step, saved ? "; saved " : "", saved ? cfg->save_path : "");
  if (!sig) return finish(h, rc, err, errlen);
  uint64_t at = h->r.step ? h->r.step : h->s.resumed_step;
  fprintf(stderr, "%sflipscope: %s: stopped after step %llu%s%s\n", nl, signals_name(sig),
          (unsigned long long)at, saved ? "; saved " : "", saved ? cfg->save_path : "");
  close_sinks(h, err, errlen);
  return rc == EXIT_OK ? 128 + sig : rc;
}

int headless_run(const Config *cfg) {
  char err[2048];
  Run h;
  signals_install();
  int rc = open_run(&h, cfg, err, sizeof err);
  if (rc != EXIT_OK) {
    fprintf(stderr, "flipscope: %s\n", err);
  } else {
    rc = train(&h, err, sizeof err);
    rc = stop_run(&h, rc, err, sizeof err);
  }
  session_close(&h.s);
  return rc;
}
