/* presets.h — guided experiments: a data set, a model and optimizer settings
 * chosen to show one idea of docs/science.md in a minute or two, and a paragraph
 * that tells the viewer what to look at and which key to press.
 * `--preset NAME` starts one; `P` in the TUI loads one. */
#ifndef FLIPSCOPE_PRESETS_H
#define FLIPSCOPE_PRESETS_H

#include <stddef.h>

#include "app/cli/config.h"

typedef struct {
  const char *name;   /* --preset NAME */
  const char *title;  /* one line */
  const char *args;   /* its flags, e.g. "--data glyphs --opt sgd --lr 0.1 --wd 0.01" */
  const char *text;   /* the paragraph shown in the TUI */
} Preset;

size_t preset_count(void);
const Preset *preset_at(size_t i);
const Preset *preset_find(const char *name);
/* "wd-filter, lr-decay, ..." for messages. */
void preset_names(char *buf, size_t len);

/* Parses the preset's flags followed by argv (so the user's flags win) into
 * cfg. Returns 0, or -1 with one line in err. */
int preset_config(const Preset *p, int argc, char **argv, Config *cfg, char *err, size_t errlen);

#endif
