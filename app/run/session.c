/* session.c — opening a run from a Config, the same for every front end (session.h). */
#include "app/run/session.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/cli/errors.h"
#include "app/cli/trace_text.h"
#include "app/system/blas_setup.h"
#include "app/io/checkpoint_file.h"
#include "app/system/machine_facts.h"
#include "app/run/outputs.h"
#include "datasets/load.h"
#include "engine/augment.h"
#include "engine/parallel.h"
#include "engine/simd.h"

#define START_ENV "FLIPSCOPE_START_NS"

static long long realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The start time travels through the environment so that it survives the
 * OpenBLAS re-exec (blas_setup.h). */
void session_mark_start(void) {
  if (getenv(START_ENV)) return;
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", realtime_ns());
  setenv(START_ENV, buf, 1);
}

double session_uptime(void) {
  const char *v = getenv(START_ENV);
  return v ? (double)(realtime_ns() - atoll(v)) * 1e-9 : 0.0;
}

static int check_memory(const Config *cfg, const Dataset *d, int threads, char *err,
                        size_t errlen);

static int restore(Session *s, const char *path, char *err, size_t errlen);

/* The telemetry settings of cfg: distribution statistics about 500 times a
 * run (or every --telemetry-every N), as every JSONL header records them.
 * With on_request (the dashboard's), statistics only when asked for unless
 * --telemetry-every N, and the defaults for a window, sample count or band
 * that cfg leaves at 0. */
static void telemetry_settings(const Config *cfg, size_t total_steps, int on_request,
                               TelemetryConfig *tc) {
  enum { EVERY_MAX = 1000000 };
  telemetry_defaults(tc);
  size_t every = cfg->telemetry_every ? cfg->telemetry_every
                 : on_request         ? EVERY_MAX
                                      : (total_steps + 499) / 500;
  tc->every = (unsigned)(every < 1 ? 1 : every < EVERY_MAX ? every : EVERY_MAX);
  tc->hist = cfg->hist_linear ? TEL_HIST_LINEAR : TEL_HIST_LOG;
  if (!on_request || cfg->reversal_window) tc->reversal_window = (unsigned)cfg->reversal_window;
  if (!on_request || cfg->telemetry_samples) tc->samples = (unsigned)cfg->telemetry_samples;
  if (!on_request || cfg->near_zero > 0) tc->near_zero_rel = cfg->near_zero;
}

/* Whether the logs record telemetry: --telemetry, or any log or export
 * without --telemetry=false; in the live view always. */
static int logs_want_telemetry(const Config *cfg, const SessionNeeds *needs) {
  return needs->live || cfg->telemetry == 1 ||
         (cfg->telemetry < 0 && (cfg->log_path[0] || cfg->jsonl_path[0] || cfg->export_dir[0]));
}

/* Starts tracing the weights of --trace-weights in t (a trainer of cfg),
 * when it is given. 0, or -1 with one line naming the flag and what is
 * wrong: no JSONL log to write to (the live view's private logs count), or
 * the element the model has no weight for. */
static int start_trace(const Session *s, Trainer *t, const Config *cfg, char *err, size_t errlen) {
  size_t bad;
  if (!cfg->trace.n && !cfg->trace.per_layer) return 0;
  int private_logs = s->needs.live && !cfg->log_path[0];
  if (!cfg->jsonl_path[0] && !cfg->export_dir[0] && !private_logs) {
    snprintf(err, errlen, "--trace-weights: needs a JSONL log to write to (--log-jsonl FILE or "
             "--export DIR)");
    return -1;
  }
  if (trainer_enable_trace(t, &cfg->trace, &bad) == 0) return 0;
  trace_text_refusal(&cfg->trace, bad, trainer_model(t), err, errlen);
  return -1;
}

/* Turns the telemetry of t (a trainer of cfg) on when the logs or the front
 * end want it: the one place where a run's telemetry is configured. */
static int start_telemetry(Session *s, Trainer *t, const Config *cfg, char *err, size_t errlen) {
  int logs = logs_want_telemetry(cfg, &s->needs);
  if (!logs && !s->needs.dashboard) {
    s->stats_on_request = 0;
    return 0;
  }
  int on_request = s->needs.live || !logs;
  TelemetryConfig tc;
  telemetry_settings(cfg, trainer_total_steps(t), on_request, &tc);
  if (trainer_enable_telemetry(t, &tc, err, errlen)) return -1;
  s->stats_on_request = on_request;
  return 0;
}

DatasetOptions session_dataset_options(const Config *cfg) {
  return (DatasetOptions){.seed = cfg->train.seed, .noise = cfg->noise,
                          .train_frac = cfg->train_frac, .val_frac = cfg->val_frac,
                          .label_col = cfg->label_col};
}

int session_open(Session *s, const Config *cfg, const SessionNeeds *needs, char *err,
                 size_t errlen) {
  memset(s, 0, sizeof *s);
  s->cfg = *cfg;
  s->needs = *needs;
  s->val_acc = NAN;
  /* Before anything is read or written: no output may destroy an input or another output. */
  int rc = outputs_check(cfg, err, errlen);
  if (rc != EXIT_OK) return rc;
  s->threads = cfg->threads ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (s->threads < 1) s->threads = 1;
  if ((rc = simd_init(err, errlen)) != 0) return errors_exit_status(rc);
  /* Each pool thread runs single-threaded OpenBLAS calls on its own slice
   * (engine/dense.c): OpenBLAS's own workers would spin against ours. */
  blas_set_threads(1);
  if (par_init(s->threads)) {
    snprintf(err, errlen, "--threads: cannot start %d threads", s->threads);
    return EXIT_RUNTIME;
  }
  DatasetOptions dopt = session_dataset_options(cfg);
  if ((rc = dataset_load(cfg->data, &dopt, &s->data, err, errlen)) != 0)
    return errors_exit_status(rc);
  if (strcmp(cfg->data, "auto") == 0)
    fprintf(stderr, "flipscope: --data auto chose %s\n", s->data.name);
  if (cfg->train.augment && !s->data.train.channels) {
    snprintf(err, errlen, "--augment %s: applies to image sets (glyphs, fashion, idx:DIR, "
             "cifar10:DIR), not %s", augment_name(cfg->train.augment), s->data.name);
    return EXIT_USAGE;
  }
  if ((rc = trainer_check_model(&cfg->model, &cfg->opt, &s->data.train, err, errlen)) != 0)
    return errors_exit_status(rc);
  if (check_memory(cfg, &s->data, s->threads, err, errlen)) return EXIT_RUNTIME;
  if ((rc = trainer_check(&cfg->train, &cfg->opt, &s->data.train, err, errlen)) != 0)
    return errors_exit_status(rc);
  s->trainer = trainer_create(&cfg->train, &cfg->model, &cfg->opt, &s->data.train,
                              &s->data.test, err, errlen);
  if (!s->trainer) return EXIT_RUNTIME;
  /* On before the restore, so that the checkpoint's flip history is restored with the rest. */
  if (start_telemetry(s, s->trainer, cfg, err, errlen)) return EXIT_RUNTIME;
  if (start_trace(s, s->trainer, cfg, err, errlen)) return EXIT_USAGE;
  if (cfg->load_path[0] && restore(s, cfg->load_path, err, errlen)) return EXIT_RUNTIME;
  return EXIT_OK;
}

/* Refuses, before anything is allocated, a model and batch that need more
 * memory than the machine has (or the process may use). */
/* The process's address space now, in bytes (0 if unknown). */
static double address_space_used(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long long pages = 0;
  if (f && fscanf(f, "%llu", &pages) != 1) pages = 0;
  if (f) fclose(f);
  return (double)pages * (double)sysconf(_SC_PAGESIZE);
}

static int check_memory(const Config *cfg, const Dataset *d, int threads, char *err,
                        size_t errlen) {
  if (cfg->train.batch == 0 || cfg->train.batch > d->train.n) return 0; /* trainer_create says */
  double need = trainer_memory_bytes(&cfg->train, &cfg->model, &cfg->opt, &d->train);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  double have = pages > 0 && page > 0 ? (double)pages * (double)page : INFINITY;
  const char *what = "this machine's memory";
  char extra[96] = "";
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (double)rl.rlim_cur < have) {
    /* Address space, not memory: what is mapped already, and OpenBLAS's
     * work buffer for each thread, count too. */
    have = (double)rl.rlim_cur - address_space_used();
    need += threads * BLAS_BUFFER_BYTES;
    what = "what the process's address-space limit (ulimit -v) leaves";
    snprintf(extra, sizeof extra, ", and OpenBLAS's %.0f MB work buffer per thread",
             BLAS_BUFFER_BYTES / 1048576.0);
  }
  if (need <= have) return 0;
  char model[128];
  model_spec_format(&cfg->model, model, sizeof model);
  snprintf(err, errlen,
           "--model %s: needs about %.0f MB (weights, optimizer state and batches of %zu on %zu "
           "inputs%s), more than %s, %.0f MB",
           model, need / 1048576.0, cfg->train.batch, d->train.dim, extra, what,
           (have > 0 ? have : 0) / 1048576.0);
  return -1;
}

/* --load: restores the trainer (and its flip history when the telemetry is
 * on) from the checkpoint at path, and the figures saved with it. */
static int restore(Session *s, const char *path, char *err, size_t errlen) {
  CkptFile f;
  char msg[480];
  if (ckpt_file_open(&f, path, msg, sizeof msg)) {
    snprintf(err, errlen, "--load %s", msg);
    return -1;
  }
  CkptInfo info;
  int rc = checkpoint_inspect(f.data, f.len, &info, msg, sizeof msg) ||
           checkpoint_restore(s->trainer, f.data, f.len, msg, sizeof msg);
  if (rc) {
    snprintf(err, errlen, "--load %s: %s", path, msg);
  } else {
    const RunFigures none = {.test_acc = NAN, .val_acc = NAN};
    s->resume = none;
    if (run_figures_decode(info.app, info.app_len, &s->resume)) s->resume = none;
    MachineFacts saved = {0}, now;
    machine_facts_decode(info.app, info.app_len, &saved);
    machine_facts_now(&now, s->cfg.train.precision);
    if (machine_facts_differ(&saved, &now, msg, sizeof msg))
      fprintf(stderr, "flipscope: warning: --load %s: %s\n", path, msg);
    if (s->cfg.saved_precision >= 0 && s->cfg.saved_precision != (int)s->cfg.train.precision)
      fprintf(stderr, "flipscope: warning: --load %s: saved with --precision %s, resumed with %s: "
              "the run will not repeat an uninterrupted one bit for bit\n", path,
              precision_name((Precision)s->cfg.saved_precision), precision_name(s->cfg.train.precision));
    s->resumed = 1;
    s->resumed_step = info.step;
  }
  ckpt_file_close(&f);
  return rc ? -1 : 0;
}

/* --- logs and sinks ------------------------------------------------------ */

static int log_step(void *self, const StepReport *r, const TelemetrySnapshot *t, char *err,
                    size_t errlen) {
  return runlog_step(self, r, t, err, errlen);
}

static void log_param_change(void *self, uint64_t step, const char *param, double old_value,
                             double new_value, const char *text) {
  runlog_param_change(self, step, param, old_value, new_value, text);
}

static void log_opt_switch(void *self, uint64_t step, const OptConfig *from, const OptConfig *to,
                           int exact, const char *text) {
  runlog_opt_switch(self, step, from, to, exact, text);
}

static int log_mark(void *self, RunFigures *fig, char *err, size_t errlen) {
  return runlog_mark(self, &fig->csv, &fig->jsonl, err, errlen);
}

static int log_close(void *self, char *err, size_t errlen) { return runlog_close(self, err, errlen); }

/* needs.live: the private logs' directory, made on first use. 0, or -1 when
 * it cannot be made (the run has no logs then). */
static int private_logs(Session *s) {
  if (s->private_dir[0]) return 0;
  const char *tmp = getenv("TMPDIR");
  snprintf(s->private_dir, sizeof s->private_dir, "%s/flipscope-tui-XXXXXX",
           tmp && strlen(tmp) < 40 ? tmp : "/tmp");
  if (mkdtemp(s->private_dir)) return 0;
  s->private_dir[0] = 0;
  return -1;
}

static void remove_private_logs(Session *s) {
  if (!s->private_dir[0]) return;
  char path[128];
  snprintf(path, sizeof path, "%s/log.csv", s->private_dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/telemetry.jsonl", s->private_dir);
  unlink(path);
  rmdir(s->private_dir);
  s->private_dir[0] = 0;
}

int session_open_logs(Session *s, char *err, size_t errlen) {
  Config lc = s->cfg;
  if (s->needs.live && !lc.log_path[0] && !lc.jsonl_path[0] && !lc.export_dir[0] &&
      private_logs(s) == 0) {
    snprintf(lc.log_path, sizeof lc.log_path, "%s/log.csv", s->private_dir);
    snprintf(lc.jsonl_path, sizeof lc.jsonl_path, "%s/telemetry.jsonl", s->private_dir);
  }
  TelemetryConfig logged;
  telemetry_settings(&s->cfg, trainer_total_steps(s->trainer), 0, &logged);
  RunLogSource src = {
      .cfg = &lc, .data = s->data.name, .trainer = s->trainer, .tel_settings = &logged,
      .tel = logs_want_telemetry(&s->cfg, &s->needs) ? trainer_telemetry(s->trainer) : NULL,
      .resumed = s->resumed ? &s->resume : NULL, .resumed_step = s->resumed_step,
      .trace = trainer_trace(s->trainer)};
  if (runlog_open(&s->log, &src, err, errlen)) return -1;
  return session_add_sink(s, (Sink){.step = log_step, .param_change = log_param_change,
                                     .opt_switch = log_opt_switch, .mark = log_mark,
                                     .close = log_close, .self = &s->log});
}

int session_add_sink(Session *s, Sink sink) { return sinks_add(&s->sinks, sink); }

int session_record(Session *s, const StepReport *r, char *err, size_t errlen) {
  Telemetry *tel = trainer_telemetry(s->trainer);
  const TelemetrySnapshot *t = tel ? telemetry_last(tel) : NULL;
  return sinks_step(&s->sinks, r, t && t->step == r->step ? t : NULL, err, errlen);
}

void session_param_change(Session *s, uint64_t step, const char *param, double old_value,
                          double new_value, const char *text) {
  sinks_param_change(&s->sinks, step, param, old_value, new_value, text);
}

void session_opt_switch(Session *s, uint64_t step, const OptConfig *from, const OptConfig *to,
                        int exact, const char *text) {
  sinks_opt_switch(&s->sinks, step, from, to, exact, text);
}

int session_close_sink(Session *s, char *err, size_t errlen) {
  return sinks_close_last(&s->sinks, err, errlen);
}

/* Closes every sink still open; failures go unreported. */
static void close_sinks(Session *s) {
  char err[512];
  while (session_close_sink(s, err, sizeof err)) continue;
}

int session_restart(Session *s, const Config *cfg, char *err, size_t errlen) {
  Trainer *t = trainer_create(&cfg->train, &cfg->model, &cfg->opt, &s->data.train, &s->data.test,
                              err, errlen);
  if (!t || start_telemetry(s, t, cfg, err, errlen) || start_trace(s, t, cfg, err, errlen)) {
    trainer_free(t);
    return -1;
  }
  close_sinks(s);
  trainer_free(s->trainer);
  s->trainer = t;
  s->cfg = *cfg;
  s->resumed = 0;
  s->resumed_step = 0;
  return 0;
}

/* --- checkpoints --------------------------------------------------------- */

/* The APPS bytes of a checkpoint: this machine's facts, then the figures
 * (malloc'd, *len bytes; NULL when out of memory). */
static char *app_bytes(const RunFigures *fig, Precision precision, size_t *len) {
  MachineFacts m;
  machine_facts_now(&m, precision);
  size_t facts = machine_facts_encode(&m, NULL, 0), figures = run_figures_encode(fig, NULL, 0);
  char *apps = malloc(facts + figures + 1);
  if (!apps) return NULL;
  machine_facts_encode(&m, apps, facts + 1);
  run_figures_encode(fig, apps + facts, figures + 1);
  *len = facts + figures;
  return apps;
}

int session_save(Session *s, const char *path, RunFigures *fig, char *err, size_t errlen) {
  if (sinks_mark(&s->sinks, fig, err, errlen)) return -1;
  char msg[480];
  if (trainer_check_state(s->trainer, msg, sizeof msg)) {
    snprintf(err, errlen, "--save %s: not saved, the state is broken: %s", path, msg);
    return -1;
  }
  /* "auto" is saved as the set it chose, and a file or directory with its
   * absolute path, so a resume loads the same data from anywhere. */
  const char *data = strcmp(s->cfg.data, "auto") == 0 ? s->data.name : s->cfg.data;
  char abs_data[PATH_MAX + 8], *real = NULL;
  if ((!strncmp(data, "csv:", 4) || !strncmp(data, "idx:", 4)) && (real = realpath(data + 4, NULL))) {
    snprintf(abs_data, sizeof abs_data, "%.4s%s", data, real);
    if (strlen(abs_data) < CONFIG_PATH_MAX) data = abs_data;
    free(real);
  }
  /* A run without a length (a live one, trained until stopped) saves none,
   * so that its resume neither invents the default length nor decays a
   * schedule it never had (headless.c then asks for one). */
  Config *saved = malloc(sizeof *saved);
  if (!saved) {
    snprintf(err, errlen, "--save %s: out of memory", path);
    return -1;
  }
  *saved = s->cfg;
  if (trainer_total_steps(s->trainer) == 0) saved->train.epochs = saved->train.max_steps = 0;
  size_t need = config_format_saved(saved, data, NULL, 0);
  char *text = malloc(need + 1);
  if (!text) {
    free(saved);
    snprintf(err, errlen, "--save %s: out of memory", path);
    return -1;
  }
  config_format_saved(saved, data, text, need + 1);
  free(saved);
  size_t app_len;
  char *apps = app_bytes(fig, s->cfg.train.precision, &app_len);
  if (!apps) {
    free(text);
    snprintf(err, errlen, "--save %s: out of memory", path);
    return -1;
  }
  CkptExtra extra = {.config = text, .config_len = need, .app = apps, .app_len = app_len};
  int rc = ckpt_file_save(s->trainer, path, &extra, msg, sizeof msg);
  if (rc) snprintf(err, errlen, "--save %s", msg);
  free(text);
  free(apps);
  return rc;
}

void session_close(Session *s) {
  close_sinks(s);
  remove_private_logs(s);
  trainer_free(s->trainer);
  dataset_free(&s->data);
  s->trainer = NULL;
}
