/* trace_read.c — reading the weight traces of a JSONL log (trace_read.h). */
#include "app/logs/trace_read.h"

#include <stdlib.h>
#include <string.h>

void log_trace_header(LogTrace *t, const json_t *header) {
  const json_t *list = json_object_get(header, "trace");
  size_t n = json_array_size(list);
  t->weights = 0;
  for (size_t k = 0; k < n && k < TRACE_MAX; k++) {
    const json_t *e = json_array_get(list, k);
    double layer = json_get_number(e, "layer"), index = json_get_number(e, "index");
    if (!(layer >= 0 && layer < MODEL_MAX_LAYERS && index >= 0 && index <= UINT32_MAX)) break;
    t->ref[t->weights++] = (TraceRef){(uint32_t)layer, (uint32_t)index};
  }
}

int log_trace_take(LogTrace *t, const json_t *j) {
  const json_t *w = json_object_get(j, "weights");
  if (!t->weights || json_array_size(w) != t->weights) return 1;
  if (t->n == LOG_TRACE_MAX_ROWS) {
    t->left_out++;
    return 0;
  }
  if (t->n == t->cap) {
    size_t ncap = t->cap ? 2 * t->cap : 256;
    LogTraceRow *row = realloc(t->row, ncap * sizeof *row);
    if (!row) return -1;
    t->row = row, t->cap = ncap;
  }
  LogTraceRow *r = &t->row[t->n++];
  const char *opt = json_get_string(j, "opt");
  r->step = json_get_number(j, "step");
  r->threshold = json_get_number(j, "threshold");
  snprintf(r->opt, sizeof r->opt, "%s", opt ? opt : "");
  for (size_t k = 0; k < t->weights; k++) {
    const json_t *e = json_array_get(w, k);
    r->y[k] = (float)json_get_number(e, "y");
    r->b[k] = json_get_number(e, "b") < 0 ? -1 : 1;
  }
  return 0;
}

void log_trace_free(LogTrace *t) {
  free(t->row);
  memset(t, 0, sizeof *t);
}
