/* headless.h — training without the TUI: progress on stderr, one CSV row per
 * step in --log, and the one-line JSON summary on stdout. */
#ifndef FLIPSCOPE_HEADLESS_H
#define FLIPSCOPE_HEADLESS_H

#include "app/cli/config.h"

/* Runs the whole training; returns the process exit code. */
int headless_run(const Config *cfg);

#endif
