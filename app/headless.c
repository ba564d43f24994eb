/* headless.c — the scripted front end. */
#include "app/headless.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/blas_setup.h"
#include "app/csvlog.h"
#include "app/session.h"
#include "engine/simd.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Running means over the current epoch, for progress lines and the summary. */
typedef struct {
  double loss, acc;
  size_t steps;
} EpochMeans;

static void progress_line(FILE *out, const Session *s, const StepReport *r, const EpochMeans *e,
                          double test_acc, double samples_per_s, int live) {
  size_t total = trainer_total_steps(s->trainer);
  char test[32] = "";
  if (!isnan(test_acc)) snprintf(test, sizeof test, "  test %.2f%%", 100 * test_acc);
  fprintf(out, "%sepoch %zu/%zu  step %llu/%zu  loss %.4f  train %.2f%%%s  flips %zu  %.0f samples/s%s",
          live ? "\r\033[K" : "", r->epoch + 1, trainer_epochs(s->trainer),
          (unsigned long long)r->step, total, e->loss / (double)e->steps,
          100 * e->acc / (double)e->steps, test, r->flips, samples_per_s, live ? "" : "\n");
  fflush(out);
}

static void print_summary(const Session *s, const StepReport *last, const EpochMeans *e,
                          double test_acc, double train_s, double startup_s,
                          unsigned long long flips_total) {
  const PhaseTimes *pt = trainer_times(s->trainer);
  double phases = pt->data + pt->forward + pt->backward + pt->optimizer;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  char model[128];
  model_spec_format(&s->cfg.model, model, sizeof model);
  size_t samples = (size_t)last->step * s->cfg.train.batch;
  printf("{\"test_acc\":%.4f,\"train_acc\":%.4f,\"loss\":%.6f,\"steps\":%llu,\"epochs\":%.3f,"
         "\"train_s\":%.3f,\"samples_per_s\":%.1f,\"flips_total\":%llu,"
         "\"data\":\"%s\",\"model\":\"%s\",\"opt\":\"%s\",\"threads\":%d,\"simd\":\"%s\","
         "\"blas_core\":\"%s\",\"startup_s\":%.3f,\"eval_s\":%.3f,\"peak_rss_mb\":%.1f,"
         "\"phase_share\":{\"data\":%.4f,\"forward\":%.4f,\"backward\":%.4f,\"optimizer\":%.4f}}\n",
         test_acc, e->acc / (double)e->steps, e->loss / (double)e->steps,
         (unsigned long long)last->step,
         (double)last->step / (double)trainer_steps_per_epoch(s->trainer), train_s,
         (double)samples / train_s, flips_total, s->data.name, model,
         optim_ops(s->cfg.opt.kind)->name, s->threads, simd_name(simd_active()),
         blas_core_name(), startup_s, pt->eval, (double)ru.ru_maxrss / 1024.0,
         pt->data / phases, pt->forward / phases, pt->backward / phases, pt->optimizer / phases);
  fflush(stdout);
}

int headless_run(const Config *cfg) {
  char err[512];
  Session s;
  int rc = session_open(&s, cfg, err, sizeof err);
  CsvLog log = {0};
  if (rc == EXIT_OK && cfg->log_path[0] &&
      csvlog_open(&log, cfg->log_path, trainer_model(s.trainer), err, sizeof err))
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
  unsigned long long flips_total = 0;
  for (;;) {
    if (r.step == 0) startup_s = session_uptime();
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
    epoch.steps++;
    flips_total += r.flips;
    if (!isnan(r.test_acc)) test_acc = r.test_acc;
    if (log.f) csvlog_row(&log, &r);
    const PhaseTimes *pt = trainer_times(s.trainer);
    double busy = pt->data + pt->forward + pt->backward + pt->optimizer;
    double speed = (double)(r.step * cfg->train.batch) / busy;
    int epoch_end = r.step % trainer_steps_per_epoch(s.trainer) == 0 ||
                    r.step == trainer_total_steps(s.trainer);
    if (epoch_end) {
      progress_line(stderr, &s, &r, &epoch, test_acc, speed, 0);
      last_draw = now_s();
    } else if (live && now_s() - last_draw > 0.1) {
      progress_line(stderr, &s, &r, &epoch, test_acc, speed, 1);
      last_draw = now_s();
    }
  }
  if (log.f && csvlog_close(&log, cfg->log_path, err, sizeof err)) {
    fprintf(stderr, "flipscope: %s\n", err);
    rc = EXIT_RUNTIME;
  }
  if (rc == EXIT_OK && r.step > 0) {
    /* Training time: the four phases of every step, not evaluation. */
    const PhaseTimes *pt = trainer_times(s.trainer);
    double train_s = pt->data + pt->forward + pt->backward + pt->optimizer;
    print_summary(&s, &r, &epoch, test_acc, train_s, startup_s, flips_total);
  }
  session_close(&s);
  return rc;
}
