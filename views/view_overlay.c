/* view_overlay.c — boxes drawn over the panes: the key help (from the key table), the
 * presets menu with each preset's explanation, the optimizer menu, the run
 * menu (data, model, seed) and its prompt, the restart question, the value
 * prompt, and a preset's text. */
#include <stdio.h>
#include <string.h>

#include "views/keys.h"
#include "views/views.h"

/* A box of w x h centred on a cw x ch screen (clamped to it). */
static Rect panel_rect(int cw, int ch, int w, int h) {
  if (w > cw - 2) w = cw - 2;
  if (h > ch - 2) h = ch - 2;
  return (Rect){(cw - w) / 2, (ch - h) / 2, w, h};
}

static Rect interior(Rect r) { return (Rect){r.x + 2, r.y + 1, r.w - 4, r.h - 2}; }

/* A centred, cleared box of w x h (clamped to the screen); returns its interior. */
static Rect panel(Canvas *c, int w, int h, const char *title) {
  Rect r = panel_rect(c->w, c->h, w, h);
  canvas_fill(c, r, ' ', ' ', ST_TEXT);
  canvas_box(c, r, NULL, title, 1);
  return interior(r);
}

/* Word-wraps text into r from row y; returns the next row. */
static int wrap(Canvas *c, Rect r, int y, const char *text, Style st) {
  const char *p = text;
  while (*p && y < r.y + r.h) {
    while (*p == ' ') p++;
    int len = (int)strlen(p), take = len;
    if (take > r.w) {
      take = r.w;
      while (take > 0 && p[take] != ' ') take--;
      if (take == 0) take = r.w;
    }
    const char *nl = memchr(p, '\n', (size_t)take);
    if (nl) take = (int)(nl - p);
    canvas_text(c, r.x, y++, p, st, take);
    p += take;
    if (*p == '\n') p++;
  }
  return y;
}

/* Rows a wrapped text takes at width w. */
static int wrapped_rows(const char *text, int w) {
  int rows = 0;
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    int len = (int)strlen(p), take = len;
    if (take > w) {
      take = w;
      while (take > 0 && p[take] != ' ') take--;
      if (take == 0) take = w;
    }
    const char *nl = memchr(p, '\n', (size_t)take);
    if (nl) take = (int)(nl - p);
    p += take;
    if (*p == '\n') p++;
    rows++;
  }
  return rows;
}

/* Whether the help lists k: a binding of the dashboard with a help line. */
static int in_help(const DashKey *k) { return (k->modes & DASH_IN_MAIN) && k->help; }

/* The help's rows and its box on a cw x ch screen: key column width in *key_w. */
static Rect help_rect(int cw, int ch, int *n, int *key_w) {
  int text_w = 0;
  *n = 0, *key_w = 0;
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    if (!in_help(k)) continue;
    (*n)++;
    if ((int)strlen(k->keys) > *key_w) *key_w = (int)strlen(k->keys);
    if ((int)strlen(k->help) > text_w) text_w = (int)strlen(k->help);
  }
  *key_w += 2;
  return panel_rect(cw, ch, *key_w + text_w + 4, *n + 4);
}

int view_help_top_max(int w, int h) {
  int n, key_w;
  Rect in = interior(help_rect(w, h, &n, &key_w));
  return n + 2 <= in.h ? 0 : n - (in.h - 1); /* the last row: where the rows shown are */
}

/* The dashboard's keys from the key table, one row each, and a note; when
 * they do not all fit, the rows from ui->help_top and a line saying which. */
static void help(Canvas *c, const DashUi *ui) {
  int n, key_w, top_max = view_help_top_max(c->w, c->h);
  Rect box = help_rect(c->w, c->h, &n, &key_w), in = panel(c, box.w, box.h, "keys");
  int top = ui->help_top < 0 ? 0 : ui->help_top > top_max ? top_max : ui->help_top;
  int rows = top_max ? in.h - 1 : in.h, y = in.y, row = 0;
  for (size_t i = 0; i < dash_key_count && y < in.y + rows; i++) {
    const DashKey *k = &dash_keys[i];
    if (!in_help(k) || row++ < top) continue;
    canvas_text(c, in.x, y, k->keys, ST_KEY, key_w);
    canvas_text(c, in.x + key_w, y++, k->help, ST_TEXT, in.w - key_w);
  }
  char more[96];
  if (top_max) {
    snprintf(more, sizeof more, "rows %d-%d of %d: Up/Down scroll, any other key closes", top + 1,
             top + rows, n);
    canvas_text(c, in.x, in.y + in.h - 1, more, ST_DIM, in.w);
  } else if (y + 1 < in.y + in.h) {
    canvas_text(c, in.x, y + 1, "A change applies at the next step and never resets training.", ST_DIM,
                in.w);
  }
}

/* The presets menu's box on a cw x ch screen: the entries, then the chosen one's text. */
static Rect presets_rect(int cw, int ch, const DashUi *ui) {
  int w = cw * 3 / 4 > 60 ? cw * 3 / 4 : 60;
  if (w > 96) w = 96;
  int text_rows = 0;
  if (ui->menu_sel >= 0 && (size_t)ui->menu_sel < ui->n_presets)
    text_rows = wrapped_rows(ui->presets[ui->menu_sel].text, w - 4);
  return panel_rect(cw, ch, w, (int)ui->n_presets + text_rows + 4);
}

static Rect optimizers_rect(int cw, int ch) { return panel_rect(cw, ch, 56, OPT_KIND_COUNT + 5); }

/* The run menu: its three rows, two lines for an error or the note, the keys. */
static Rect run_rect(int cw, int ch) { return panel_rect(cw, ch, 72, RUN_ROWS + 6); }

int view_menu_entry_at(int w, int h, const DashUi *ui, int x, int y) {
  if (!ui || (ui->overlay != OVL_PRESETS && ui->overlay != OVL_OPTS && ui->overlay != OVL_RUN))
    return -1;
  int n = ui->overlay == OVL_OPTS  ? OPT_KIND_COUNT
          : ui->overlay == OVL_RUN ? RUN_ROWS
                                   : (int)ui->n_presets;
  Rect in = interior(ui->overlay == OVL_OPTS  ? optimizers_rect(w, h)
                     : ui->overlay == OVL_RUN ? run_rect(w, h)
                                              : presets_rect(w, h, ui));
  int k = y - in.y;
  return x >= in.x - 1 && x <= in.x + in.w && k >= 0 && k < n && k < in.h ? k : -1;
}

static void presets(Canvas *c, const DashUi *ui) {
  Rect box = presets_rect(c->w, c->h, ui), in = panel(c, box.w, box.h, "presets");
  int y = in.y;
  for (size_t i = 0; i < ui->n_presets && y < in.y + in.h; i++, y++) {
    int sel = (int)i == ui->menu_sel;
    if (sel) canvas_fill(c, (Rect){in.x, y, in.w, 1}, ' ', ' ', ST_SELECT);
    canvas_text(c, in.x, y, ui->presets[i].name, sel ? ST_SELECT : ST_KEY, 16);
    canvas_text(c, in.x + 16, y, ui->presets[i].title, sel ? ST_SELECT : ST_TEXT, in.w - 16);
  }
  y++;
  if (ui->menu_sel >= 0 && (size_t)ui->menu_sel < ui->n_presets)
    wrap(c, (Rect){in.x, y, in.w, in.y + in.h - y}, y, ui->presets[ui->menu_sel].text, ST_TEXT);
}

static void optimizers(Canvas *c, const DashUi *ui) {
  Rect box = optimizers_rect(c->w, c->h), in = panel(c, box.w, box.h, "switch optimizer");
  int y = in.y;
  for (int k = 0; k < OPT_KIND_COUNT; k++, y++) {
    int sel = k == ui->menu_sel;
    if (sel) canvas_fill(c, (Rect){in.x, y, in.w, 1}, ' ', ' ', ST_SELECT);
    canvas_text(c, in.x, y, dash_opt_name((OptKind)k), sel ? ST_SELECT : ST_KEY, 8);
    const char *note = (OptKind)k == ui->opt.kind ? "current" : ui->opt_exact[k] ? "exact: flips continue unchanged"
                                                                 : "approximate: keeps the signs";
    canvas_text(c, in.x + 8, y, note, sel ? ST_SELECT : ui->opt_exact[k] ? ST_OK : ST_DIM, in.w - 8);
  }
  wrap(c, (Rect){in.x, y + 1, in.w, 2}, y + 1,
       "The state is mapped where an exact mapping exists (docs/science.md 2).", ST_DIM);
}

/* The run menu: per row its name, its value between arrows and its place
 * among the row's choices; the selected row in reverse video. */
static void run_menu(Canvas *c, const DashUi *ui) {
  static const char *const names[RUN_ROWS] = {"data", "model", "seed"};
  Rect box = run_rect(c->w, c->h), in = panel(c, box.w, box.h, "run: data, model, seed");
  for (int r = 0; r < RUN_ROWS; r++) {
    int sel = r == ui->menu_sel, y = in.y + r;
    Style st = sel ? ST_SELECT : ST_TEXT;
    if (sel) canvas_fill(c, (Rect){in.x, y, in.w, 1}, ' ', ' ', ST_SELECT);
    canvas_text(c, in.x, y, names[r], sel ? ST_SELECT : ST_KEY, 7);
    int where_w = (int)strlen(ui->run_where[r]), x = in.x + 7, end = in.x + in.w - where_w - 2;
    canvas_put(c, x, y, 0x2039, '<', st);
    x += 2;
    x += canvas_text(c, x, y, ui->run_value[r], sel ? ST_SELECT : ST_VALUE, end - x - 2);
    canvas_put(c, x + 1, y, 0x203A, '>', st);
    canvas_text(c, in.x + in.w - where_w, y, ui->run_where[r], sel ? ST_SELECT : ST_DIM, where_w);
  }
  Rect note = {in.x, in.y + RUN_ROWS + 1, in.w, 2};
  if (ui->run_error[0]) wrap(c, note, note.y, ui->run_error, ST_ERR);
  else wrap(c, note, note.y, "Enter asks, then restarts from step 0 (optimizer kept).", ST_DIM);
  view_key_hints(c, in.x, in.y + in.h - 1, in.x + in.w, DASH_IN_RUN, 0);
}

/* A prompt for one value: label = value, an example, and the mode's keys. */
static void prompt(Canvas *c, const DashUi *ui, int w, const char *title, const char *example,
                   unsigned mode) {
  Rect in = panel(c, w, 6, title);
  int x = in.x + canvas_text(c, in.x, in.y, ui->input_label, ST_TEXT, 16);
  x += canvas_text(c, x, in.y, " = ", ST_DIM, 3);
  x += canvas_text(c, x, in.y, ui->input, ST_VALUE, in.x + in.w - x - 1);
  canvas_put(c, x, in.y, 0x2588, '_', ST_KEY);
  canvas_text(c, in.x, in.y + 2, example, ST_DIM, in.w);
  view_key_hints(c, in.x, in.y + 3, in.x + in.w, mode, 0);
}

/* The run menu's prompt over the menu, with an example of the row's value. */
static void run_prompt(Canvas *c, const DashUi *ui) {
  static const char *const examples[RUN_ROWS] = {"e.g. xor, glyphs or csv:FILE (as --data)",
                                                 "e.g. mlp:64x64 real-first or cnn:c16-p-f64",
                                                 "a whole number, e.g. 7"};
  run_menu(c, ui);
  int row = ui->menu_sel >= 0 && ui->menu_sel < RUN_ROWS ? ui->menu_sel : RUN_ROW_MODEL;
  prompt(c, ui, 60, "type a value", examples[row], DASH_IN(OVL_RUN_INPUT));
}

void view_overlay(Canvas *c, const DashSnapshot *s, const DashUi *ui) {
  (void)s;
  if (!ui) return;
  switch (ui->overlay) {
  case OVL_NONE: return;
  case OVL_HELP: help(c, ui); return;
  case OVL_PRESETS: presets(c, ui); return;
  case OVL_OPTS: optimizers(c, ui); return;
  case OVL_CONFIRM: {
    Rect in = panel(c, (int)strlen(ui->confirm) + 6 > 40 ? (int)strlen(ui->confirm) + 6 : 40, 5, "confirm");
    canvas_text(c, in.x, in.y, ui->confirm, ST_TEXT, in.w);
    view_key_hints(c, in.x, in.y + 2, in.x + in.w, DASH_IN(OVL_CONFIRM), 0);
    return;
  }
  case OVL_INPUT: prompt(c, ui, 44, "set value", "e.g. 0.002 or 2e-3", DASH_IN(OVL_INPUT)); return;
  case OVL_RUN: run_menu(c, ui); return;
  case OVL_RUN_INPUT: run_prompt(c, ui); return;
  case OVL_INFO: {
    const char *text = ui->info_text ? ui->info_text : "";
    int w = c->w * 3 / 4 > 60 ? c->w * 3 / 4 : 60;
    if (w > 96) w = 96;
    Rect in = panel(c, w, wrapped_rows(text, w - 4) + 4, ui->info_title ? ui->info_title : "about");
    int y = wrap(c, in, in.y, text, ST_TEXT);
    view_key_hints(c, in.x, y + 1 < in.y + in.h ? y + 1 : in.y + in.h - 1, in.x + in.w, DASH_IN(OVL_INFO), 0);
    return;
  }
  }
}
