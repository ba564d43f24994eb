/* view_footer.c — the keys that work now (they change with the focused pane,
 * the run state and any open overlay), and the latest message. */
#include <stdio.h>
#include <string.h>

#include "views/views.h"

typedef struct {
  const char *key, *what;
} Key;

/* Key hints left to right, each only if it fits whole. */
static int keys(Canvas *c, int x, int y, int end, const Key *k, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int need = (int)(strlen(k[i].key) + 1 + strlen(k[i].what));
    if (x + need > end) break;
    x += canvas_text(c, x, y, k[i].key, ST_KEY, end - x) + 1;
    x += canvas_text(c, x, y, k[i].what, ST_DIM, end - x) + 2;
  }
  return x;
}

static void key_line(Canvas *c, int x, int y, int end, const DashSnapshot *s, const DashUi *ui) {
  Key k[24];
  size_t n = 0;
  switch (ui ? ui->overlay : OVL_NONE) {
  case OVL_HELP:
  case OVL_INFO:
    k[n++] = (Key){"any key", "close"};
    break;
  case OVL_PRESETS:
  case OVL_OPTS:
    k[n++] = (Key){"Up/Down", "choose"};
    k[n++] = (Key){"Enter", ui->overlay == OVL_OPTS ? "switch" : "load"};
    k[n++] = (Key){"Esc", "cancel"};
    break;
  case OVL_CONFIRM:
    k[n++] = (Key){"y", "yes"};
    k[n++] = (Key){"n/Esc", "no"};
    break;
  case OVL_INPUT:
    k[n++] = (Key){"Enter", "set"};
    k[n++] = (Key){"Esc", "cancel"};
    k[n++] = (Key){"Bksp", "erase"};
    break;
  case OVL_NONE:
    if (s->state == RUN_DIVERGED) {
      k[n++] = (Key){"-", "lower the rate"};
      k[n++] = (Key){"space", "continue"};
      k[n++] = (Key){"r", "restart"};
    } else if (s->state == RUN_DONE) {
      k[n++] = (Key){"r", "restart"};
    } else {
      k[n++] = (Key){"space", s->state == RUN_PAUSED ? "resume" : "pause"};
      if (s->state == RUN_PAUSED) k[n++] = (Key){"n", "step"};
    }
    if (ui && ui->focus == PANE_FILTER) {
      k[n++] = (Key){"Up/Down", "setting"};
      if (s->state != RUN_DIVERGED) k[n++] = (Key){"+/-", "change"};
      k[n++] = (Key){"Enter", "type"};
    }
    k[n++] = (Key){"Tab", "pane"};
    k[n++] = (Key){"o", "optimizer"};
    if (s->n_layers > 1) k[n++] = (Key){"l", "layer"};
    k[n++] = (Key){"p", ui && ui->ghost ? "re-pin" : "pin"};
    if (ui && ui->ghost) k[n++] = (Key){"u", "unpin"};
    k[n++] = (Key){"e", "export"};
    k[n++] = (Key){"s", "save"};
    k[n++] = (Key){"P", "presets"};
    if (s->state != RUN_DONE && s->state != RUN_DIVERGED) k[n++] = (Key){"r", "restart"};
    /* help and quit stay visible at the right end whatever the width */
    static const Key always[] = {{"?", "help"}, {"q", "quit"}};
    int right = end - 16;
    keys(c, right, y, end, always, 2);
    end = right - 2;
    break;
  }
  keys(c, x, y, end, k, n);
}

void view_footer(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui) {
  int end = r.x + r.w;
  const char *msg = ui && ui->message[0] ? ui->message : "";
  int msg_err = ui && ui->message_error;
  if (!msg[0] && s->status[0]) msg = s->status, msg_err = s->state == RUN_DIVERGED;
  if (r.h >= 2) {
    canvas_text(c, r.x + 1, r.y, msg, msg_err ? ST_ERR : ST_WARN, r.w - 2);
    key_line(c, r.x + 1, r.y + r.h - 1, end, s, ui);
  } else if (msg[0]) {
    canvas_text(c, r.x + 1, r.y, msg, msg_err ? ST_ERR : ST_WARN, r.w - 2);
  } else {
    key_line(c, r.x + 1, r.y, end, s, ui);
  }
}
