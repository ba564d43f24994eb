/* sink.c — a run's list of sinks (sink.h). */
#include "app/run/sink.h"

#include <stdio.h>

int sinks_add(SinkList *l, Sink s) {
  if (l->n == SINK_MAX) return -1;
  l->sink[l->n++] = s;
  return 0;
}

int sinks_step(SinkList *l, const StepReport *r, const TelemetrySnapshot *t, char *err,
               size_t errlen) {
  int rc = 0;
  char msg[1024];
  for (size_t i = 0; i < l->n; i++) {
    const Sink *s = &l->sink[i];
    if (!s->step || s->step(s->self, r, t, msg, sizeof msg) == 0) continue;
    if (rc == 0) snprintf(err, errlen, "%s", msg);
    rc = -1;
  }
  return rc;
}

void sinks_param_change(SinkList *l, uint64_t step, const char *param, double old_value,
                        double new_value, const char *text) {
  for (size_t i = 0; i < l->n; i++)
    if (l->sink[i].param_change)
      l->sink[i].param_change(l->sink[i].self, step, param, old_value, new_value, text);
}

void sinks_opt_switch(SinkList *l, uint64_t step, const OptConfig *from, const OptConfig *to,
                      int exact, const char *text) {
  for (size_t i = 0; i < l->n; i++)
    if (l->sink[i].opt_switch) l->sink[i].opt_switch(l->sink[i].self, step, from, to, exact, text);
}

int sinks_mark(SinkList *l, RunFigures *fig, char *err, size_t errlen) {
  for (size_t i = 0; i < l->n; i++)
    if (l->sink[i].mark && l->sink[i].mark(l->sink[i].self, fig, err, errlen)) return -1;
  return 0;
}

int sinks_close_last(SinkList *l, char *err, size_t errlen) {
  if (l->n == 0) return 0;
  Sink s = l->sink[--l->n];
  return s.close && s.close(s.self, err, errlen) ? -1 : 1;
}
