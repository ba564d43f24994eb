/* model_text.c — reading the --model text (see model_text.h). */
#include "app/cli/model_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int model_text_parse(const char *text, ModelSpec *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (strncmp(text, "mlp:", 4) != 0) {
    snprintf(err, errlen, "--model: '%s' is not of the form mlp:H1xH2... (e.g. mlp:1024x1024)", text);
    return -1;
  }
  const char *p = text + 4;
  while (*p) {
    if (out->n_hidden == MODEL_MAX_LAYERS - 1) {
      snprintf(err, errlen, "--model: at most %d hidden layers", MODEL_MAX_LAYERS - 1);
      return -1;
    }
    char *end;
    errno = 0;
    unsigned long long w = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : 0;
    if (*p < '0' || *p > '9' || errno || w == 0 || w > MODEL_MAX_WIDTH || (*end && *end != 'x') ||
        (*end == 'x' && !end[1])) {
      snprintf(err, errlen, "--model: bad layer width in '%s' (widths 1..%d separated by 'x')", text,
               MODEL_MAX_WIDTH);
      return -1;
    }
    out->hidden[out->n_hidden++] = (size_t)w;
    p = *end ? end + 1 : end;
  }
  return 0;
}
