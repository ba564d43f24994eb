/* session.c — setting up a training session from a Config. */
#include "app/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/blas_setup.h"
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

int session_open(Session *s, const Config *cfg, char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  s->cfg = *cfg;
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
  DatasetOptions dopt = {.seed = cfg->train.seed};
  if (dataset_load(cfg->data, &dopt, &s->data, err, errlen))
    return strncmp(err, "--data: unknown", 15) == 0 ? EXIT_USAGE : EXIT_RUNTIME;
  if (strcmp(cfg->data, "auto") == 0)
    fprintf(stderr, "flipscope: --data auto chose %s\n", s->data.name);
  s->trainer = trainer_create(&cfg->train, &cfg->model, &cfg->opt, &s->data.train,
                              &s->data.test, err, errlen);
  if (!s->trainer) return strncmp(err, "--", 2) == 0 ? EXIT_USAGE : EXIT_RUNTIME;
  return EXIT_OK;
}

void session_close(Session *s) {
  trainer_free(s->trainer);
  dataset_free(&s->data);
  s->trainer = NULL;
}
