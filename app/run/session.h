/* session.h — what every front end sets up before training: the data set,
 * threads, kernels and the trainer, from a Config. */
#ifndef FLIPSCOPE_SESSION_H
#define FLIPSCOPE_SESSION_H

#include "app/cli/config.h"
#include "datasets/dataset.h"
#include "engine/trainer.h"

typedef struct {
  Config cfg;
  Dataset data;
  Trainer *trainer;
  int threads;
  /* --load: the step the run resumed at, and the front end's state saved
   * with it (the APPS bytes, malloc'd; NULL when none). */
  int resumed;
  uint64_t resumed_step;
  void *resume_app;
  size_t resume_app_len;
  double val_acc;      /* accuracy on data.val at the last evaluation (NAN: none) */
} Session;

/* Loads data, sets threads and SIMD level, builds the trainer. Messages go
 * to stderr ("data: fashion" for --data auto). Returns an exit code. */
int session_open(Session *s, const Config *cfg, char *err, size_t errlen);
void session_close(Session *s);

/* After telemetry was turned on (runlog_open), restores the flip history the
 * --load checkpoint holds, so telemetry continues too. 0, or -1 with a message. */
int session_resume_telemetry(Session *s, char *err, size_t errlen);

/* Saves the run to path atomically (app/io/checkpoint_file.h) with the saved
 * settings and the front end's bytes `app`; refuses a state holding NaN or
 * infinity. Returns 0, or -1 with a message naming --save and the file. */
int session_save(Session *s, const char *path, const void *app, size_t app_len, char *err,
                 size_t errlen);

/* Seconds since the process started (before any re-exec). */
double session_uptime(void);
void session_mark_start(void);

#endif
