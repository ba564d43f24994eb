/* schedule_text.c — reading and writing the --schedule text (see schedule_text.h). */
#include "app/cli/schedule_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int schedule_text_parse(const char *text, Schedule *out, char *err, size_t errlen) {
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

void schedule_text_format(const Schedule *s, char *buf, size_t len) {
  static const char *names[] = {"const", "linear", "cosine", "step"};
  size_t used = (size_t)snprintf(buf, len, "%s", names[s->kind]);
  for (size_t i = 0; i < s->n_milestones && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%c%zu", i ? ',' : ':', s->milestones[i]);
}
