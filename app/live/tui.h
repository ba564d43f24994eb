/* tui.h — the live front end: ncurses on the UI thread, training on a worker
 * thread (app/live/tui_worker.h), every pane drawn by views/ on a text canvas.
 *
 * FLIPSCOPE_TUI_STATS=FILE writes one JSON object at exit with the frame rate,
 * key-to-screen latencies and training throughput (used by bench and tests). */
#ifndef FLIPSCOPE_TUI_H
#define FLIPSCOPE_TUI_H

#include "app/cli/config.h"

/* Runs the TUI on cfg until the user quits; returns the exit code. */
int tui_run(const Config *cfg);

#endif
