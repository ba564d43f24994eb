/* trace_text.c — reading the --trace-weights text (see trace_text.h). */
#include "app/cli/trace_text.h"

#include <stdio.h>
#include <string.h>

#include "app/io/number_text.h"

/* One element "LAYER:INDEX" of length len into *r: 0, or -1. */
static int parse_ref(const char *e, size_t len, TraceRef *r) {
  char buf[48], *colon;
  unsigned long long layer, index;
  if (len >= sizeof buf) return -1;
  memcpy(buf, e, len);
  buf[len] = 0;
  if (!(colon = strchr(buf, ':'))) return -1;
  *colon = 0;
  if (number_text_count(buf, &layer) || number_text_count(colon + 1, &index) ||
      layer >= MODEL_MAX_LAYERS || index > UINT32_MAX)
    return -1;
  *r = (TraceRef){(uint32_t)layer, (uint32_t)index};
  return 0;
}

/* N alone: N random weights per layer. */
static int parse_count(const char *text, const char *where, TraceSpec *out, char *err,
                       size_t errlen) {
  unsigned long long n;
  if (number_text_count(text, &n) || n < 1 || n > TRACE_MAX) {
    snprintf(err, errlen, "%s: expected a count 1..%d of weights per layer, or LAYER:INDEX,..., "
             "got '%s'", where, TRACE_MAX, text);
    return -1;
  }
  out->per_layer = (unsigned)n;
  return 0;
}

int trace_text_parse(const char *text, const char *where, TraceSpec *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!strchr(text, ':')) return parse_count(text, where, out, err, errlen);
  const char *p = text;
  for (size_t k = 1;; k++) {
    size_t len = strcspn(p, ",");
    if (k > TRACE_MAX) {
      snprintf(err, errlen, "%s: at most %d weights in total, got more at element %zu ('%.*s')",
               where, TRACE_MAX, k, (int)len, p);
      return -1;
    }
    if (parse_ref(p, len, &out->ref[out->n])) {
      snprintf(err, errlen, "%s: element %zu '%.*s': expected LAYER:INDEX (e.g. 0:17)", where, k,
               (int)len, p);
      return -1;
    }
    const TraceRef *now = &out->ref[out->n];
    for (size_t j = 0; j < out->n; j++)
      if (out->ref[j].layer == now->layer && out->ref[j].index == now->index) {
        snprintf(err, errlen, "%s: element %zu '%.*s' repeats element %zu", where, k, (int)len, p,
                 j + 1);
        return -1;
      }
    out->n++;
    if (!p[len]) return 0;
    p += len + 1;
  }
}

void trace_text_refusal(const TraceSpec *spec, size_t bad, const Model *m, char *err,
                        size_t errlen) {
  if (spec->per_layer) {
    snprintf(err, errlen, "--trace-weights %u: %u per layer x %zu layers is more than %d weights "
             "in total (or more than a layer has)", spec->per_layer, spec->per_layer, m->n_layers,
             TRACE_MAX);
    return;
  }
  const TraceRef *r = &spec->ref[bad];
  if (r->layer >= m->n_layers)
    snprintf(err, errlen, "--trace-weights: element %zu '%u:%u': the model has layers 0..%zu", bad + 1,
             r->layer, r->index, m->n_layers - 1);
  else
    snprintf(err, errlen, "--trace-weights: element %zu '%u:%u': layer %u has weights 0..%zu", bad + 1,
             r->layer, r->index, r->layer, m->layer[r->layer].in * m->layer[r->layer].out - 1);
}
