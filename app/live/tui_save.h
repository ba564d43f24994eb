/* tui_save.h — the TUI's `s` key: a checkpoint of the running session. An
 * adapter over the checkpoint files of app/io/checkpoint_file.h so the worker
 * does not depend on their details. */
#ifndef FLIPSCOPE_TUI_SAVE_H
#define FLIPSCOPE_TUI_SAVE_H

#include <stddef.h>

#include "app/cli/config.h"
#include "app/logs/runlog.h"
#include "app/run/session.h"

/* Saves s's trainer (settings cfg) to path, with where the logs of rl (may be
 * NULL) stand, after making them durable. Returns 0 with "saved ... to PATH"
 * in msg, or -1 with the reason in msg. */
int tui_save_checkpoint(Session *s, RunLog *rl, const Config *cfg, const char *path, char *msg,
                        size_t len);

#endif
