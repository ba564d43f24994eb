/* trace_text.h — the --trace-weights text: LAYER:INDEX,... (at most
 * TRACE_MAX weights in total) or N (N seeded random weights per layer), read
 * into a TraceSpec (engine/trace.h), and the message for an element the
 * model has no weight for. */
#ifndef FLIPSCOPE_TRACE_TEXT_H
#define FLIPSCOPE_TRACE_TEXT_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/trace.h"

/* Parses text into *out; -1 with one line naming where (the flag, or
 * FILE:LINE) and the element at fault. */
int trace_text_parse(const char *text, const char *where, TraceSpec *out, char *err, size_t errlen);
/* The line for a spec trace_resolve refused at element `bad` for model m. */
void trace_text_refusal(const TraceSpec *spec, size_t bad, const Model *m, char *err,
                        size_t errlen);

#endif
