/* schedule_text.h — the --schedule text: const | linear | cosine |
 * step:E1,E2,..., read and written. */
#ifndef FLIPSCOPE_SCHEDULE_TEXT_H
#define FLIPSCOPE_SCHEDULE_TEXT_H

#include <stddef.h>

#include "engine/schedule.h"

/* Parses the text into *out (per_step 0); -1 with a message naming
 * --schedule on error. */
int schedule_text_parse(const char *text, Schedule *out, char *err, size_t errlen);
/* Writes s back as text ("linear", "step:2,4"). */
void schedule_text_format(const Schedule *s, char *buf, size_t len);

#endif
