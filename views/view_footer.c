/* view_footer.c — the keys that work now, from the key table (views/keys.h):
 * the hints of the screen that is up, as the run state, the focused pane
 * and a pinned run offer them; and the latest message. */
#include <stdio.h>
#include <string.h>

#include "views/keys.h"
#include "views/views.h"

/* What holds now, as the key table's DASH_NOW_* bits. */
static unsigned now_facts(const DashSnapshot *s, const DashUi *ui) {
  unsigned now = 1u << s->state;
  if (ui && ui->focus == PANE_FILTER) now |= DASH_NOW_FILTER;
  if (ui && ui->focus == PANE_CURVES) now |= DASH_NOW_CURVES;
  if (ui && ui->log_loss) now |= DASH_NOW_LOG;
  if (s->n_layers > 1) now |= DASH_NOW_LAYERS;
  if (ui && ui->n_ghosts) now |= DASH_NOW_GHOST;
  if (ui && ui->focus == PANE_WEIGHTS) now |= DASH_NOW_WEIGHTS;
  if (s->scope.n_pins) now |= DASH_NOW_PINNED;
  if (ui && ui->left == LEFT_SCOPE) now |= DASH_NOW_SCOPE;
  return now;
}

/* Whether the footer offers k on the screen mode now. */
static int offered(const DashKey *k, unsigned mode, unsigned now) {
  return (k->modes & mode) && k->hint && (!k->offer || (k->offer & now));
}

static const char *hint_word(const DashKey *k, unsigned now) {
  return k->hint_alt && (k->alt_if & now) ? k->hint_alt : k->hint;
}

/* The cells k's hint takes, with the gap after it. */
static int hint_width(const DashKey *k, unsigned now) {
  return dash_key_short_len(k) + 1 + (int)strlen(hint_word(k, now)) + 2;
}

/* Draws k's hint at x if it fits whole before end; returns the next x, or
 * -1 when it does not fit. */
static int hint(Canvas *c, int x, int y, int end, const DashKey *k, unsigned now) {
  const char *what = hint_word(k, now);
  int key_w = dash_key_short_len(k);
  if (x + key_w + 1 + (int)strlen(what) > end) return -1;
  x += canvas_text(c, x, y, k->keys, ST_KEY, key_w) + 1;
  return x + canvas_text(c, x, y, what, ST_DIM, end - x) + 2;
}

/* Draws the offered hints whose right flag is right, those for the front
 * now first, each only if it fits whole; returns the x after the last. */
static int hints(Canvas *c, int x, int y, int end, unsigned mode, unsigned now, int right) {
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < dash_key_count; i++) {
      const DashKey *k = &dash_keys[i];
      int front = (k->first & now) != 0;
      if (!offered(k, mode, now) || k->right != right || front != (pass == 0)) continue;
      int next = hint(c, x, y, end, k, now);
      if (next < 0) return x;
      x = next;
    }
  return x;
}

/* The cells the offered hints whose right flag is right take, gaps included. */
static int hints_width(unsigned mode, unsigned now, int right) {
  int w = 0;
  for (size_t i = 0; i < dash_key_count; i++)
    if (offered(&dash_keys[i], mode, now) && dash_keys[i].right == right) w += hint_width(&dash_keys[i], now);
  return w;
}

int view_key_hints(Canvas *c, int x, int y, int end, unsigned mode, unsigned now) {
  return hints(c, hints(c, x, y, end, mode, now, 0), y, end, mode, now, 1);
}

int view_key_hints_width(unsigned mode, unsigned now) {
  int w = hints_width(mode, now, 0) + hints_width(mode, now, 1);
  return w > 2 ? w - 2 : 0;
}

/* The hints of the screen that is up; help and quit (the right-end ones)
 * stay visible at the right end whatever the width. */
static void key_line(Canvas *c, int x, int y, int end, const DashSnapshot *s, const DashUi *ui) {
  unsigned mode = dash_key_mode(ui, 0), now = now_facts(s, ui);
  int right_w = hints_width(mode, now, 1);
  if (right_w) {
    hints(c, end - right_w, y, end, mode, now, 1);
    end -= right_w + 2;
  }
  hints(c, x, y, end, mode, now, 0);
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
