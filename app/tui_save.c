/* tui_save.c — see tui_save.h. */
#include "app/tui_save.h"

#include <stdio.h>

int tui_save_checkpoint(Session *s, const Config *cfg, const char *path, char *msg, size_t len) {
  char err[512];
  s->cfg.opt = cfg->opt; /* the settings as retuned, saved with the state */
  if (session_save(s, path, NULL, 0, err, sizeof err)) {
    snprintf(msg, len, "save failed: %s", err);
    return -1;
  }
  snprintf(msg, len, "checkpoint saved to %s (resume: --load %s)", path, path);
  return 0;
}
