/* params.c — the names the panes show for bands, optimizers and schedules
 * (the settings themselves, and how +/- move them: engine/settings.h), and
 * the curves' smoothing weights. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "views/dash.h"

const double dash_band_pct[DASH_BANDS] = {0, 7, 16, 31, 50, 69, 84, 93, 100};
const double dash_smooth_weight[DASH_SMOOTH_STEPS] = {0, 0.6, 0.9, 0.99};

const char *dash_opt_name(OptKind kind) {
  static const char *names[OPT_KIND_COUNT] = {"cema", "adam", "adamw", "sgd", "bop", "bop2", "iir"};
  return kind < OPT_KIND_COUNT ? names[kind] : "?";
}

void dash_schedule_name(const Schedule *s, char *buf, size_t len) {
  static const char *kinds[] = {"const", "linear", "cosine", "step"};
  size_t used = (size_t)snprintf(buf, len, "%s", s->kind <= SCHED_STEP ? kinds[s->kind] : "?");
  for (size_t k = 0; s->kind == SCHED_STEP && k < s->n_milestones && used < len; k++)
    used += (size_t)snprintf(buf + used, len - used, "%c%zu", k ? ',' : ':', s->milestones[k]);
  if (s->per_step && s->kind != SCHED_CONST && used < len) snprintf(buf + used, len - used, "/step");
}
