/* model_text.c — reading the --model text (see model_text.h). */
#include "app/cli/model_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a count at *p (1..max) and moves *p past it; -1 when there is none
 * or it is out of range. */
static long long read_count(const char **p, unsigned long long max) {
  if (**p < '0' || **p > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(*p, &end, 10);
  *p = end;
  return errno || v == 0 || v > max ? -1 : (long long)v;
}

static int mlp_parse(const char *text, ModelSpec *out, char *err, size_t errlen) {
  const char *p = text + 4;
  while (*p) {
    if (out->n_hidden == MODEL_MAX_LAYERS - 1) {
      snprintf(err, errlen, "--model: at most %d hidden layers", MODEL_MAX_LAYERS - 1);
      return -1;
    }
    long long w = read_count(&p, MODEL_MAX_WIDTH);
    if (w < 0 || (*p && *p != 'x') || (*p == 'x' && !p[1])) {
      snprintf(err, errlen, "--model: bad layer width in '%s' (widths 1..%d separated by 'x')", text,
               MODEL_MAX_WIDTH);
      return -1;
    }
    out->hidden[out->n_hidden++] = (size_t)w;
    if (*p) p++;
  }
  return 0;
}

/* A convolution's options after "cN": kK, sS, v, r, each at most once. */
static int conv_options(const char **p, LayerShape *s) {
  s->kernel = 3;
  s->stride = 1;
  unsigned seen = 0;
  while (**p && **p != '-') {
    const char *opt = strchr("ksvr", **p);
    if (!opt || seen & (1u << (opt - "ksvr"))) return -1;
    seen |= 1u << (opt - "ksvr");
    char c = *(*p)++;
    long long v = c == 'k' ? read_count(p, 63) : c == 's' ? read_count(p, 63) : 0;
    if (v < 0) return -1;
    if (c == 'k') s->kernel = (size_t)v;
    if (c == 's') s->stride = (size_t)v;
    if (c == 'v') s->padding = CONV_VALID;
    if (c == 'r') s->shortcut = 1;
  }
  return 0;
}

/* One element of a cnn: text at *p; moves *p to its end. Returns NULL, or
 * what is wrong with it. */
static const char *cnn_element(const char **p, ModelSpec *out) {
  char c = **p;
  if (c == 'p' || c == 'a' || c == 'g') {
    (*p)++;
    LayerShape *below = out->n_hidden ? &out->shape[out->n_hidden - 1] : NULL;
    if (!below || !below->kernel) return "pooling (p, a, g) must follow a convolution";
    if (below->pool) return "a convolution takes one pooling";
    if (below->shortcut) return "a convolution with a real shortcut (r) cannot pool";
    below->pool = c == 'p' ? POOL_MAX2 : c == 'a' ? POOL_AVG2 : POOL_GLOBAL;
    return NULL;
  }
  if (c != 'c' && c != 'f') return "each layer is cN (convolution), fN (dense), p, a or g";
  if (out->n_hidden == MODEL_MAX_LAYERS - 1) return "too many layers";
  (*p)++;
  long long n = read_count(p, MODEL_MAX_WIDTH);
  if (n < 0) return "a layer needs 1 to 65536 channels or units (c32, f256)";
  LayerShape *s = &out->shape[out->n_hidden];
  out->hidden[out->n_hidden++] = (size_t)n;
  if (c == 'c' && conv_options(p, s)) return "a convolution's options are kK (kernel 1..63), sS "
                                             "(stride 1..63), v (valid padding), r (real shortcut)";
  if (c == 'f' && **p && **p != '-') return "a dense layer is fN";
  return NULL;
}

static int cnn_parse(const char *text, ModelSpec *out, char *err, size_t errlen) {
  out->cnn = 1;
  const char *p = text + 4;
  for (size_t element = 1; *p || element == 1; element++) {
    const char *start = p, *why = cnn_element(&p, out);
    if (!why && *p == '-' && !p[1]) why = "the text ends with '-'";
    if (why) {
      int n = (int)strcspn(start, "-");
      snprintf(err, errlen, "--model: '%s', element %zu ('%.*s'): %s (e.g. cnn:c32-p-c64-p-f256)",
               text, element, n, start, why);
      return -1;
    }
    if (*p == '-') p++;
  }
  return 0;
}

int model_text_parse(const char *text, ModelSpec *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (strncmp(text, "mlp:", 4) == 0) return mlp_parse(text, out, err, errlen);
  if (strncmp(text, "cnn:", 4) == 0) return cnn_parse(text, out, err, errlen);
  snprintf(err, errlen, "--model: '%s' is neither mlp:H1xH2... (e.g. mlp:1024x1024) nor "
           "cnn:LAYERS (e.g. cnn:c32-p-c64-p-f256)", text);
  return -1;
}
