/* session.c — setting up a training session from a Config. */
#include "app/run/session.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/system/blas_setup.h"
#include "app/io/checkpoint_file.h"
#include "app/system/machine_facts.h"
#include "app/run/outputs.h"
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

int session_open(Session *s, const Config *cfg, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  s->cfg = *cfg;
  s->val_acc = NAN;
  /* Before anything is read or written: no output may destroy an input or another output. */
  int rc = outputs_check(cfg, err, errlen);
  if (rc != EXIT_OK) return rc;
  s->threads = cfg->threads ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (s->threads < 1) s->threads = 1;
  if (simd_init(err, errlen)) return EXIT_USAGE;
  /* Each pool thread runs single-threaded OpenBLAS calls on its own slice
   * (engine/dense.c): OpenBLAS's own workers would spin against ours. */
  blas_set_threads(1);
  if (par_init(s->threads)) {
    snprintf(err, errlen, "--threads: cannot start %d threads", s->threads);
    return EXIT_RUNTIME;
  }
  DatasetOptions dopt = {.seed = cfg->train.seed, .noise = cfg->noise,
                         .train_frac = cfg->train_frac, .val_frac = cfg->val_frac,
                         .label_col = cfg->label_col};
  if (dataset_load(cfg->data, &dopt, &s->data, err, errlen))
    return dataset_error_is_usage(err) ? EXIT_USAGE : EXIT_RUNTIME;
  if (strcmp(cfg->data, "auto") == 0)
    fprintf(stderr, "flipscope: --data auto chose %s\n", s->data.name);
  if (check_memory(cfg, &s->data, s->threads, err, errlen)) return EXIT_RUNTIME;
  s->trainer = trainer_create(&cfg->train, &cfg->model, &cfg->opt, &s->data.train,
                              &s->data.test, err, errlen);
  if (!s->trainer) return strncmp(err, "--", 2) == 0 ? EXIT_USAGE : EXIT_RUNTIME;
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

/* --load: restores the trainer from the checkpoint at path. */
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
  } else if (info.app_len && !(s->resume_app = malloc(info.app_len))) {
    snprintf(err, errlen, "--load %s: out of memory", path);
    rc = 1;
  } else {
    if (info.app_len) memcpy(s->resume_app, info.app, info.app_len);
    s->resume_app_len = info.app_len;
    MachineFacts saved = {0}, now;
    machine_facts_decode(info.app, info.app_len, &saved);
    machine_facts_now(&now);
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

int session_resume_telemetry(Session *s, char *err, size_t errlen) {
  if (!s->resumed || !trainer_telemetry(s->trainer)) return 0;
  CkptFile f;
  char msg[480];
  if (ckpt_file_open(&f, s->cfg.load_path, msg, sizeof msg)) {
    snprintf(err, errlen, "--load %s", msg);
    return -1;
  }
  int rc = checkpoint_restore_telemetry(s->trainer, f.data, f.len, msg, sizeof msg);
  if (rc < 0) snprintf(err, errlen, "--load %s: %s", s->cfg.load_path, msg);
  ckpt_file_close(&f);
  return rc < 0 ? -1 : 0;
}

int session_save(Session *s, const char *path, const void *app, size_t app_len, char *err,
                 size_t errlen) {
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
  size_t need = config_format_saved(&s->cfg, data, NULL, 0);
  char *text = malloc(need + 1);
  if (!text) {
    snprintf(err, errlen, "--save %s: out of memory", path);
    return -1;
  }
  config_format_saved(&s->cfg, data, text, need + 1);
  /* The APPS bytes: this machine's facts, then the front end's lines. */
  MachineFacts m;
  machine_facts_now(&m);
  size_t facts = machine_facts_encode(&m, NULL, 0);
  char *apps = malloc(facts + 1 + app_len);
  if (!apps) {
    free(text);
    snprintf(err, errlen, "--save %s: out of memory", path);
    return -1;
  }
  machine_facts_encode(&m, apps, facts + 1);
  if (app_len) memcpy(apps + facts, app, app_len);
  CkptExtra extra = {.config = text, .config_len = need, .app = apps, .app_len = facts + app_len};
  int rc = ckpt_file_save(s->trainer, path, &extra, msg, sizeof msg);
  if (rc) snprintf(err, errlen, "--save %s", msg);
  free(text);
  free(apps);
  return rc;
}

void session_close(Session *s) {
  free(s->resume_app);
  s->resume_app = NULL;
  trainer_free(s->trainer);
  dataset_free(&s->data);
  s->trainer = NULL;
}
