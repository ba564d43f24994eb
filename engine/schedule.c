/* schedule.c — rate schedules. */
#include "engine/schedule.h"

#include <math.h>

double schedule_factor(const Schedule *s, size_t pos, size_t total) {
  double frac = total ? (double)pos / (double)total : 0.0;
  if (frac > 1.0) frac = 1.0;
  switch (s->kind) {
  case SCHED_LINEAR: return 1.0 - frac;
  case SCHED_COSINE: return 0.5 * (1.0 + cos(M_PI * frac));
  case SCHED_STEP: {
    double f = 1.0;
    for (size_t i = 0; i < s->n_milestones; i++)
      if (pos >= s->milestones[i]) f *= 0.1;
    return f;
  }
  default: return 1.0;
  }
}
