/* trace_read.h — the weight traces of a JSONL log (--trace-weights; schema in
 * docs/logs.md) read back for the charts: the weights the header lists, and
 * per trace record the step, the flip threshold and each weight's
 * filter-unit value and sign. Every record is kept (up to
 * LOG_TRACE_MAX_ROWS), so that every flip can be marked. */
#ifndef FLIPSCOPE_TRACE_READ_H
#define FLIPSCOPE_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "app/io/json.h"
#include "engine/trace.h"

enum { LOG_TRACE_MAX_ROWS = 1 << 20 };

/* One trace record. */
typedef struct {
  double step, threshold;
  char opt[8];              /* the optimizer of the step */
  float y[TRACE_MAX];
  int8_t b[TRACE_MAX];
} LogTraceRow;

typedef struct {
  size_t weights;           /* traced weights the header lists (0: none) */
  TraceRef ref[TRACE_MAX];
  LogTraceRow *row;
  size_t n, cap;
  size_t left_out;          /* records past LOG_TRACE_MAX_ROWS */
} LogTrace;

/* The header's list of traced weights into t (none when it has no list). */
void log_trace_header(LogTrace *t, const json_t *header);
/* Appends the trace record j. 0; 1 when its weights do not match the
 * header's list; -1 when memory ran out. */
int log_trace_take(LogTrace *t, const json_t *j);
/* Releases what t holds. */
void log_trace_free(LogTrace *t);

#endif
