/* tui.h — the live front end: ncurses on the UI thread, training on a worker
 * thread (app/live/tui_worker.h), every pane drawn by views/ on a text canvas.
 *
 * FLIPSCOPE_TUI_STATS=FILE writes one JSON object at exit with the frame rate,
 * key-to-screen latencies and training throughput (used by bench and tests). */
#ifndef FLIPSCOPE_TUI_H
#define FLIPSCOPE_TUI_H

#include "app/cli/config.h"

#include <stddef.h>

/* tui_run's answer when the terminal cannot show the view ($TERM unset,
 * unknown, or unable to move the cursor): nothing has started, and why says
 * which, for the caller to train headless instead. */
#define TUI_NO_TERMINAL (-1)

/* Runs the TUI on cfg until the user quits; returns the exit code, or
 * TUI_NO_TERMINAL with the reason in why. */
int tui_run(const Config *cfg, char *why, size_t why_len);

#endif
