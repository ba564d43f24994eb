/* error.c — the spelling of settings in messages (see error.h). */
#include "engine/error.h"

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
