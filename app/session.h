/* session.h — what every front end sets up before training: the data set,
 * threads, kernels and the trainer, from a Config. */
#ifndef FLIPSCOPE_SESSION_H
#define FLIPSCOPE_SESSION_H

#include "app/config.h"
#include "datasets/dataset.h"
#include "engine/trainer.h"

typedef struct {
  Config cfg;
  Dataset data;
  Trainer *trainer;
  int threads;
} Session;

/* Loads data, sets threads and SIMD level, builds the trainer. Messages go
 * to stderr ("data: fashion" for --data auto). Returns an exit code. */
int session_open(Session *s, const Config *cfg, char *err, size_t errlen);
void session_close(Session *s);

/* Seconds since the process started (before any re-exec). */
double session_uptime(void);
void session_mark_start(void);

#endif
