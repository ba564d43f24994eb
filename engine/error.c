/* error.c — the spelling of settings in messages, and error_fail (see error.h). */
#include "engine/error.h"

#include <stdarg.h>
#include <stdio.h>

/* Set once by the front end before its threads start, then only read. */
static ErrorSpelling spelling;

void error_set_spelling(ErrorSpelling spell) { spelling = spell; }

ErrorSetting error_setting(const char *name) {
  ErrorSetting s;
  if (spelling) spelling(name, s.text, sizeof s.text);
  else snprintf(s.text, sizeof s.text, "%s", name);
  return s;
}

int error_fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}
