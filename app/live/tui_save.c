/* tui_save.c — see tui_save.h. */
#include "app/live/tui_save.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int tui_save_checkpoint(Session *s, RunLog *rl, const Config *cfg, const char *path, char *msg,
                        size_t len) {
  char err[2048];
  s->cfg.opt = cfg->opt; /* the settings as retuned, saved with the state */
  /* Where the logs stand, so that a resume continues them (app/logs/resume.h). */
  RunFigures fig = {.test_acc = NAN, .val_acc = NAN};
  if (rl && runlog_mark(rl, &fig.csv, &fig.jsonl, err, sizeof err)) {
    snprintf(msg, len, "save failed: %s", err);
    return -1;
  }
  size_t app_len = run_figures_encode(&fig, NULL, 0);
  char *app = malloc(app_len + 1);
  if (app) run_figures_encode(&fig, app, app_len + 1);
  if (!app || session_save(s, path, app, app_len, err, sizeof err)) {
    snprintf(msg, len, "save failed: %s", app ? err : "out of memory");
    free(app);
    return -1;
  }
  free(app);
  snprintf(msg, len, "checkpoint saved to %s (resume: --load %s)", path, path);
  return 0;
}
