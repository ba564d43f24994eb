/* schedule.c — rate schedules. */
#include "engine/schedule.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int schedule_parse(const char *text, Schedule *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (strcmp(text, "const") == 0) out->kind = SCHED_CONST;
  else if (strcmp(text, "linear") == 0) out->kind = SCHED_LINEAR;
  else if (strcmp(text, "cosine") == 0) out->kind = SCHED_COSINE;
  else if (strncmp(text, "step:", 5) == 0) {
    out->kind = SCHED_STEP;
    const char *p = text + 5;
    do {
      char *end;
      errno = 0;
      unsigned long long e = strtoull(p, &end, 10);
      if (end == p || errno || *p == '-' || (*end && *end != ',') ||
          out->n_milestones == SCHEDULE_MAX_MILESTONES ||
          (out->n_milestones && e <= out->milestones[out->n_milestones - 1])) {
        snprintf(err, errlen, "--schedule: bad milestones in '%s' (increasing integers, at most %d)",
                 text, SCHEDULE_MAX_MILESTONES);
        return -1;
      }
      out->milestones[out->n_milestones++] = (size_t)e;
      p = *end ? end + 1 : end;
    } while (*p);
  } else {
    snprintf(err, errlen, "--schedule: unknown schedule '%s' (const, linear, cosine, step:E1,E2)", text);
    return -1;
  }
  return 0;
}

void schedule_format(const Schedule *s, char *buf, size_t len) {
  static const char *names[] = {"const", "linear", "cosine", "step"};
  size_t used = (size_t)snprintf(buf, len, "%s", names[s->kind]);
  for (size_t i = 0; i < s->n_milestones && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%c%zu", i ? ',' : ':', s->milestones[i]);
}

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
