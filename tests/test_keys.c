/* test_keys.c — the live view's key table (views/keys.h) is what the key
 * handler, the footer, the help overlay and docs/tui.md all show: every key
 * the handler takes is named where it is offered, every hint on screen is a
 * row of the table, and the look-up keeps what each key did before the
 * table (the switch in app/live/tui.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/keys.h"
#include "views/views.h"

/* The overlays and the too-small screen, as the screens a key can meet. */
static const unsigned modes[] = {
    DASH_IN(OVL_NONE),    DASH_IN(OVL_HELP),  DASH_IN(OVL_PRESETS), DASH_IN(OVL_OPTS),
    DASH_IN(OVL_CONFIRM), DASH_IN(OVL_INPUT), DASH_IN(OVL_INFO),    DASH_IN(OVL_RUN),
    DASH_IN(OVL_RUN_INPUT), DASH_IN_TOO_SMALL,
};
#define N_MODES (sizeof modes / sizeof *modes)

/* A snapshot with only what the footer reads. */
static DashSnapshot *small_snapshot(RunState state, size_t layers) {
  DashSnapshot *s = calloc(1, sizeof *s);
  optim_defaults(OPT_CEMA, &s->opt);
  s->state = state;
  s->n_layers = layers;
  return s;
}

/* The help overlay as text, drawn at 120x40 (room for every row and the note). */
static char *help_text(void) {
  DashSnapshot *s = small_snapshot(RUN_RUNNING, 1);
  DashUi ui;
  memset(&ui, 0, sizeof ui);
  ui.opt = s->opt;
  ui.overlay = OVL_HELP;
  Canvas c;
  canvas_init(&c, 120, 40);
  view_overlay(&c, s, &ui);
  char *text = canvas_to_text(&c, 0);
  canvas_free(&c);
  free(s);
  return text;
}

/* The keys the help lacked before the table, each named there. */
Test(keys, help_names_shift_tab_esc_and_ctrl_l) {
  char *text = help_text();
  cr_assert(strstr(text, "Shift-Tab"), "%s", text);
  cr_assert(strstr(text, "Esc"), "%s", text);
  cr_assert(strstr(text, "Ctrl-L"), "%s", text);
  free(text);
}

/* Every binding of the dashboard has a help line, and the help shows its
 * keys and that line on one row. */
Test(keys, help_lists_every_binding_of_the_dashboard) {
  char *text = help_text();
  int rows = 0;
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    if (!(k->modes & DASH_IN_MAIN)) continue;
    cr_assert(k->help, "the dashboard's %s has no help line", k->keys);
    const char *line = strstr(text, k->help);
    cr_assert(line, "the help does not show '%s' (%s):\n%s", k->help, k->keys, text);
    const char *bol = line;
    while (bol > text && bol[-1] != '\n') bol--;
    char keys[160];
    snprintf(keys, sizeof keys, " %s ", k->keys);
    const char *at = strstr(bol, keys);
    cr_assert(at && at < line, "the help's row '%s' does not start with %s:\n%s", k->help, k->keys, text);
    rows++;
  }
  cr_assert_geq(rows, 20, "%d rows", rows);
  cr_assert(strstr(text, "never resets training"), "the note is missing at 40 rows:\n%s", text);
  free(text);
}

/* The name of a key code as the table's keys write it; NULL for the
 * terminal's resize, which is not a key. */
static const char *key_name(int code) {
  static char one[2];
  switch (code) {
  case ' ': return "space";
  case '\t': return "Tab";
  case 27: return "Esc";
  case 12: return "Ctrl-L";
  case '\r': case '\n': case DASH_KEY_ENTER: return "Enter";
  case DASH_KEY_UP: return "Up";
  case DASH_KEY_DOWN: return "Down";
  case DASH_KEY_LEFT: return "Left";
  case DASH_KEY_RIGHT: return "Right";
  case DASH_KEY_CLICK: return "click";
  case DASH_KEY_WHEEL_UP: case DASH_KEY_WHEEL_DOWN: return "wheel";
  case DASH_KEY_BTAB: return "Shift-Tab";
  case DASH_KEY_F1: return "F1";
  case DASH_KEY_BACKSPACE: case 127: case 8: return "Bksp";
  case DASH_KEY_ANY: return "any";
  case DASH_KEY_NUMBER: return "0-9";
  case DASH_KEY_TEXT: return "text";
  case DASH_KEY_RESIZE: return NULL;
  default: one[0] = (char)code; return one;
  }
}

/* Whether keys ("Up/Down, k/j", "1-5") names code: one of its words
 * (split at ", / " and spaces) is the code's name, or a range a-b holds it. */
static int names(const char *keys, int code) {
  const char *name = key_name(code);
  if (!name) return 1;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", keys);
  for (char *save = NULL, *w = strtok_r(buf, ", /", &save); w; w = strtok_r(NULL, ", /", &save)) {
    if (!strcmp(w, name)) return 1;
    if (strlen(w) == 3 && w[1] == '-' && code >= w[0] && code <= w[2]) return 1;
  }
  return 0;
}

/* Every code of every row is named in the row's keys, so the help and the
 * footer name every key the handler takes. */
Test(keys, every_code_is_named_in_its_row) {
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    cr_assert(k->codes[0].code, "row %zu (%s) has no key", i, k->keys);
    for (int j = 0; j < DASH_KEY_CODES && k->codes[j].code; j++)
      cr_assert(names(k->keys, k->codes[j].code), "row '%s' does not name its key %s", k->keys,
                key_name(k->codes[j].code));
  }
}

/* Every row runs: on each screen where it works, none before it takes its keys. */
Test(keys, no_row_is_shadowed) {
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    for (size_t m = 0; m < N_MODES; m++) {
      if (!(k->modes & modes[m])) continue;
      for (int j = 0; j < DASH_KEY_CODES && k->codes[j].code; j++) {
        int code = k->codes[j].code, arg;
        if (code == DASH_KEY_ANY || code == DASH_KEY_NUMBER || code == DASH_KEY_TEXT) continue;
        cr_assert_eq(dash_key_find(modes[m], code, &arg), k, "%s of row '%s' runs another row in mode %#x",
                     key_name(code), k->keys, modes[m]);
        cr_assert_eq(arg, k->codes[j].arg);
      }
    }
  }
}

/* What each key did before the table (the switch of app/live/tui.c), looked up. */
Test(keys, look_up_keeps_what_each_key_did) {
  static const struct {
    unsigned mode;
    int code;
    int found;
    DashAction action;
    int arg;
  } cases[] = {
      {DASH_IN_MAIN, 'q', 1, DASH_ACT_QUIT, 0},          {DASH_IN_MAIN, 'Q', 1, DASH_ACT_QUIT, 0},
      {DASH_IN_MAIN, ' ', 1, DASH_ACT_TOGGLE, 0},        {DASH_IN_MAIN, 'n', 1, DASH_ACT_STEP, 0},
      {DASH_IN_MAIN, '\t', 1, DASH_ACT_CYCLE_PANE, 1},   {DASH_IN_MAIN, DASH_KEY_BTAB, 1, DASH_ACT_CYCLE_PANE, -1},
      {DASH_IN_MAIN, '3', 1, DASH_ACT_FOCUS_PANE, PANE_INERTIA},
      {DASH_IN_MAIN, '5', 1, DASH_ACT_FOCUS_PANE, PANE_FILTER},
      {DASH_IN_MAIN, 'k', 1, DASH_ACT_SELECT, -1},       {DASH_IN_MAIN, DASH_KEY_DOWN, 1, DASH_ACT_SELECT, 1},
      {DASH_IN_MAIN, '=', 1, DASH_ACT_NUDGE, 1},         {DASH_IN_MAIN, '_', 1, DASH_ACT_NUDGE, -1},
      {DASH_IN_MAIN, '\r', 1, DASH_ACT_TYPE_VALUE, 0},
      {DASH_IN_MAIN, 'L', 1, DASH_ACT_LOG_LOSS, 0},
      {DASH_IN_MAIN, 'l', 1, DASH_ACT_LAYER, 1},         {DASH_IN_MAIN, 'S', 1, DASH_ACT_SMOOTH, 0},
      {DASH_IN_MAIN, 27, 1, DASH_ACT_CLEAR_MESSAGE, 0},  {DASH_IN_MAIN, 12, 1, DASH_ACT_REDRAW, 0},
      {DASH_IN_MAIN, DASH_KEY_RESIZE, 1, DASH_ACT_REDRAW, 0},
      {DASH_IN_MAIN, 'h', 1, DASH_ACT_HELP, 0},          {DASH_IN_MAIN, DASH_KEY_F1, 1, DASH_ACT_HELP, 0},
      {DASH_IN_MAIN, 'x', 0, 0, 0},                      {DASH_IN_MAIN, 'y', 0, 0, 0},
      {DASH_IN_MAIN, 127, 0, 0, 0},
      {DASH_IN_TOO_SMALL, 'q', 1, DASH_ACT_QUIT, 0},     {DASH_IN_TOO_SMALL, ' ', 0, 0, 0},
      {DASH_IN_TOO_SMALL, 27, 0, 0, 0},                  {DASH_IN_TOO_SMALL, 12, 1, DASH_ACT_REDRAW, 0},
      {DASH_IN(OVL_HELP), 'x', 1, DASH_ACT_CLOSE, 0},    {DASH_IN(OVL_HELP), 'q', 1, DASH_ACT_CLOSE, 0},
      {DASH_IN(OVL_INFO), DASH_KEY_UP, 1, DASH_ACT_CLOSE, 0},
      {DASH_IN(OVL_HELP), 12, 1, DASH_ACT_REDRAW, 0},
      {DASH_IN(OVL_OPTS), 'q', 1, DASH_ACT_CLOSE, 0},    {DASH_IN(OVL_OPTS), 'o', 1, DASH_ACT_CLOSE, 0},
      {DASH_IN(OVL_PRESETS), 'P', 1, DASH_ACT_CLOSE, 0}, {DASH_IN(OVL_OPTS), 27, 1, DASH_ACT_CLOSE, 0},
      {DASH_IN(OVL_OPTS), '\r', 1, DASH_ACT_SWITCH_OPT, 0},
      {DASH_IN(OVL_PRESETS), '\n', 1, DASH_ACT_LOAD_PRESET, 0},
      {DASH_IN(OVL_PRESETS), 'j', 1, DASH_ACT_MENU_MOVE, 1},
      {DASH_IN(OVL_OPTS), DASH_KEY_UP, 1, DASH_ACT_MENU_MOVE, -1},
      {DASH_IN(OVL_OPTS), ' ', 0, 0, 0},                 {DASH_IN(OVL_PRESETS), 'x', 0, 0, 0},
      {DASH_IN(OVL_CONFIRM), 'Y', 1, DASH_ACT_RESTART, 0},
      {DASH_IN(OVL_CONFIRM), 'n', 1, DASH_ACT_CLOSE, 0}, {DASH_IN(OVL_CONFIRM), 'x', 1, DASH_ACT_CLOSE, 0},
      {DASH_IN(OVL_INPUT), '5', 1, DASH_ACT_INPUT_CHAR, 0},
      {DASH_IN(OVL_INPUT), 'E', 1, DASH_ACT_INPUT_CHAR, 0},
      {DASH_IN(OVL_INPUT), '-', 1, DASH_ACT_INPUT_CHAR, 0},
      {DASH_IN(OVL_INPUT), 127, 1, DASH_ACT_INPUT_ERASE, 0},
      {DASH_IN(OVL_INPUT), 8, 1, DASH_ACT_INPUT_ERASE, 0},
      {DASH_IN(OVL_INPUT), DASH_KEY_ENTER, 1, DASH_ACT_INPUT_SET, 0},
      {DASH_IN(OVL_INPUT), 27, 1, DASH_ACT_CLOSE, 0},    {DASH_IN(OVL_INPUT), 'q', 0, 0, 0},
      {DASH_IN(OVL_INPUT), 'x', 0, 0, 0},                {DASH_IN(OVL_INPUT), 200, 0, 0, 0},
      {DASH_IN_MAIN, 'm', 1, DASH_ACT_RUN_MENU, 0},
      {DASH_IN(OVL_RUN), DASH_KEY_DOWN, 1, DASH_ACT_MENU_MOVE, 1},
      {DASH_IN(OVL_RUN), DASH_KEY_LEFT, 1, DASH_ACT_RUN_CHANGE, -1},
      {DASH_IN(OVL_RUN), '+', 1, DASH_ACT_RUN_CHANGE, 1},
      {DASH_IN(OVL_RUN), 't', 1, DASH_ACT_RUN_TYPE, 0},
      {DASH_IN(OVL_RUN), '\r', 1, DASH_ACT_RUN_ASK, 0},
      {DASH_IN(OVL_RUN), 'm', 1, DASH_ACT_CLOSE, 0},     {DASH_IN(OVL_RUN), 'x', 0, 0, 0},
      {DASH_IN(OVL_RUN), DASH_KEY_CLICK, 1, DASH_ACT_CLICK, 0},
      {DASH_IN(OVL_RUN_INPUT), 'q', 1, DASH_ACT_INPUT_CHAR, 0},
      {DASH_IN(OVL_RUN_INPUT), ':', 1, DASH_ACT_INPUT_CHAR, 0},
      {DASH_IN(OVL_RUN_INPUT), 127, 1, DASH_ACT_INPUT_ERASE, 0},
      {DASH_IN(OVL_RUN_INPUT), '\n', 1, DASH_ACT_RUN_TYPED, 0},
      {DASH_IN(OVL_RUN_INPUT), 27, 1, DASH_ACT_RUN_BACK, 0},
      {DASH_IN(OVL_RUN_INPUT), 200, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int arg = 0;
    const DashKey *k = dash_key_find(cases[i].mode, cases[i].code, &arg);
    cr_assert_eq(k != NULL, cases[i].found, "case %zu: key %d in mode %#x", i, cases[i].code, cases[i].mode);
    if (!k) continue;
    cr_assert_eq(k->action, cases[i].action, "case %zu: key %d in mode %#x", i, cases[i].code, cases[i].mode);
    cr_assert_eq(arg, cases[i].arg, "case %zu", i);
  }
}

/* The footer's key line, drawn 260 wide (room for every hint). */
static char *footer_text(const DashSnapshot *s, const DashUi *ui) {
  Canvas c;
  canvas_init(&c, 260, 1);
  view_footer(&c, (Rect){0, 0, 260, 1}, s, ui);
  char *text = canvas_to_text(&c, 0);
  canvas_free(&c);
  return text;
}

/* Whether "KEYS WORD" is the footer hint of a row that works in mode. */
static int is_hint(const char *seg, size_t len, unsigned mode) {
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    if (!(k->modes & mode) || !k->hint) continue;
    size_t kl = (size_t)dash_key_short_len(k);
    if (len <= kl || strncmp(seg, k->keys, kl) || seg[kl] != ' ') continue;
    const char *word = seg + kl + 1;
    size_t wl = len - kl - 1;
    if ((strlen(k->hint) == wl && !strncmp(word, k->hint, wl)) ||
        (k->hint_alt && strlen(k->hint_alt) == wl && !strncmp(word, k->hint_alt, wl)))
      return 1;
  }
  return 0;
}

/* On every screen, in every run state, with either focus and with or
 * without a pinned run: each hint in the footer (hints are two spaces
 * apart) is a table row of that screen, and the rows always offered are
 * there. */
Test(keys, footer_hints_come_from_the_table) {
  for (size_t m = 0; m + 1 < N_MODES; m++) /* the too-small screen has no footer */
    for (int st = RUN_RUNNING; st <= RUN_DONE; st++)
      for (int variant = 0; variant < 4; variant++) {
        DashSnapshot *s = small_snapshot((RunState)st, variant & 1 ? 3 : 1);
        DashGhost ghost = {0};
        DashUi ui;
        memset(&ui, 0, sizeof ui);
        ui.opt = s->opt;
        ui.focus = variant & 2 ? PANE_FILTER : PANE_CURVES;
        ui.ghost[0] = &ghost;
        ui.n_ghosts = variant & 1;
        for (Overlay o = OVL_NONE; o <= OVL_RUN_INPUT; o++)
          if (DASH_IN(o) == modes[m]) ui.overlay = o;
        char *text = footer_text(s, &ui);
        int n = 0;
        for (const char *p = text; *p && *p != '\n';) {
          while (*p == ' ') p++;
          if (!*p || *p == '\n') break;
          const char *end = p;
          while (*end && *end != '\n' && !(end[0] == ' ' && end[1] == ' ')) end++;
          cr_assert(is_hint(p, (size_t)(end - p), modes[m]), "'%.*s' is no hint of the table (mode %#x): %s",
                    (int)(end - p), p, modes[m], text);
          n++;
          p = end;
        }
        for (size_t i = 0; i < dash_key_count; i++) {
          const DashKey *k = &dash_keys[i];
          if (!(k->modes & modes[m]) || !k->hint || k->offer) continue;
          char want[64];
          snprintf(want, sizeof want, "%.*s %s", dash_key_short_len(k), k->keys,
                   k->hint_alt && (k->alt_if & (1u << st | DASH_NOW_GHOST * !!ui.n_ghosts))
                       ? k->hint_alt
                       : k->hint);
          cr_assert(strstr(text, want), "the footer lacks '%s' (mode %#x, state %d): %s", want, modes[m], st,
                    text);
        }
        cr_assert_gt(n, 0, "no hints in mode %#x: %s", modes[m], text);
        free(text);
        free(s);
      }
}

/* docs/tui.md's key table names the dashboard's bindings as the table does
 * (the cell is the row's keys, backticks aside). */
Test(keys, docs_list_every_binding_of_the_dashboard) {
  FILE *f = fopen("docs/tui.md", "rb");
  cr_assert(f, "docs/tui.md is missing (run from the repository's root)");
  static char doc[1 << 17];
  size_t n = 0;
  for (int ch; (ch = fgetc(f)) != EOF && n + 1 < sizeof doc;)
    if (ch != '`') doc[n++] = (char)ch;
  doc[n] = 0;
  fclose(f);
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    if (!(k->modes & DASH_IN_MAIN)) continue;
    char cell[160];
    snprintf(cell, sizeof cell, "\n| %s |", k->keys);
    cr_assert(strstr(doc, cell), "docs/tui.md's keys table has no row '| %s |'", k->keys);
  }
}
