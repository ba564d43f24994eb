/* schedule.h — how the rate that matters (lr, alpha; gamma for Bop) changes
 * over training: a multiplier of its base value. */
#ifndef FLIPSCOPE_SCHEDULE_H
#define FLIPSCOPE_SCHEDULE_H

#include <stddef.h>

#define SCHEDULE_MAX_MILESTONES 8

typedef enum { SCHED_CONST, SCHED_LINEAR, SCHED_COSINE, SCHED_STEP } ScheduleKind;

typedef struct {
  ScheduleKind kind;
  int per_step;                                /* 0: per epoch (default), 1: per step */
  size_t milestones[SCHEDULE_MAX_MILESTONES];  /* step schedule: x0.1 at each */
  size_t n_milestones;
} Schedule;

/* Multiplier at position `pos` of `total` units (epochs, or steps when
 * per_step): linear 1 - pos/total (the authors' per-epoch decay),
 * cosine (1 + cos(pi pos/total)) / 2, step 0.1^(milestones passed). */
double schedule_factor(const Schedule *s, size_t pos, size_t total);

#endif
