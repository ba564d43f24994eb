/* number_text.c — accepted number spellings (number_text.h). */
#include "app/io/number_text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* Where the decimal spelling that starts at s ends (s itself: none). */
static const char *decimal_end(const char *s) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; p++) digits++;
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++) digits++;
  if (!digits) return s;
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    if (*q == '+' || *q == '-') q++;
    if (*q >= '0' && *q <= '9') {
      while (*q >= '0' && *q <= '9') q++;
      p = q;
    }
  }
  return p;
}

int number_text_real_prefix(const char *s, double *out, const char **end) {
  const char *stop = decimal_end(s);
  *end = s;
  if (stop == s) return 0;
  char *got;
  double x = strtod(s, &got);
  if (got != stop || !isfinite(x)) return 0; /* 1e999 overflows */
  *out = x;
  *end = stop;
  return (int)(stop - s);
}

int number_text_real(const char *s, double *out) {
  const char *end;
  return number_text_real_prefix(s, out, &end) && !*end ? 0 : -1;
}

int number_text_count(const char *s, unsigned long long *out) {
  if (*s < '0' || *s > '9') return -1;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  char *end;
  errno = 0;
  *out = strtoull(s, &end, 10);
  return errno ? -1 : 0;
}
