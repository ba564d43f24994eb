/* tui_term.c — curses: colours, canvas copying, keys (see tui_term.h). */
#define NCURSES_WIDECHAR 1
#include "app/live/tui_term.h"

#include <curses.h>
#include <term.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "views/keys.h"

/* Per style: colour on 256-colour terminals, on 8-colour ones, and the
 * attributes used with 8 colours (or none). -1 is the terminal's default. */
typedef struct {
  short c256, c8;
  attr_t a256, a8;
} StyleColor;

static const StyleColor style_colors[ST_COUNT] = {
    [ST_TEXT] = {-1, -1, 0, 0},
    [ST_DIM] = {245, -1, 0, A_DIM},
    [ST_TITLE] = {117, COLOR_CYAN, A_BOLD, A_BOLD},
    [ST_BORDER] = {240, COLOR_BLUE, 0, 0},
    [ST_FOCUS] = {214, COLOR_YELLOW, A_BOLD, A_BOLD},
    [ST_KEY] = {81, COLOR_CYAN, A_BOLD, A_BOLD},
    [ST_VALUE] = {255, -1, A_BOLD, A_BOLD},
    [ST_SELECT] = {-1, -1, A_REVERSE, A_REVERSE},
    [ST_OK] = {114, COLOR_GREEN, A_BOLD, A_BOLD},
    [ST_WARN] = {221, COLOR_YELLOW, 0, A_BOLD},
    [ST_ERR] = {203, COLOR_RED, A_BOLD, A_BOLD},
    [ST_LOSS] = {209, COLOR_YELLOW, 0, 0},
    [ST_TRAIN] = {75, COLOR_CYAN, 0, 0},
    [ST_TEST] = {114, COLOR_GREEN, 0, 0},
    [ST_GHOST] = {239, -1, 0, A_DIM},
    [ST_MARK] = {177, COLOR_MAGENTA, 0, 0},
    [ST_L0] = {75, COLOR_CYAN, 0, 0},
    [ST_L1] = {214, COLOR_YELLOW, 0, 0},
    [ST_L2] = {114, COLOR_GREEN, 0, 0},
    [ST_L3] = {177, COLOR_MAGENTA, 0, 0},
    [ST_POS0] = {24, COLOR_BLUE, 0, A_DIM},
    [ST_POS1] = {31, COLOR_BLUE, 0, 0},
    [ST_POS2] = {38, COLOR_BLUE, 0, A_BOLD},
    [ST_POS3] = {45, COLOR_CYAN, A_BOLD, A_BOLD},
    [ST_NEG0] = {88, COLOR_RED, 0, A_DIM},
    [ST_NEG1] = {124, COLOR_RED, 0, 0},
    [ST_NEG2] = {160, COLOR_RED, 0, A_BOLD},
    [ST_NEG3] = {203, COLOR_MAGENTA, A_BOLD, A_BOLD},
    [ST_FLIP] = {226, COLOR_YELLOW, A_BOLD, A_BOLD},
    [ST_FAN0] = {237, COLOR_BLUE, 0, A_DIM},
    [ST_FAN1] = {24, COLOR_BLUE, 0, 0},
    [ST_FAN2] = {31, COLOR_CYAN, 0, 0},
    [ST_FAN3] = {38, COLOR_CYAN, 0, A_BOLD},
    [ST_MEDIAN] = {231, COLOR_WHITE, A_BOLD, A_BOLD},
    [ST_RESP] = {81, COLOR_CYAN, 0, 0},
    [ST_CUTOFF] = {221, COLOR_YELLOW, 0, 0},
};

/* Without colour, only attributes tell styles apart. */
static attr_t mono_attr(int st) {
  switch (st) {
  case ST_SELECT: return A_REVERSE;
  case ST_FOCUS: case ST_KEY: case ST_TITLE: case ST_ERR: case ST_VALUE: return A_BOLD;
  case ST_DIM: case ST_GHOST: return A_DIM;
  case ST_FLIP: return A_REVERSE;
  default: return 0;
  }
}

static attr_t attrs[ST_COUNT];
static short pairs[ST_COUNT];

static void setup_colors(Term *t) {
  t->colors = 0;
  if (has_colors() && start_color() == OK) {
    use_default_colors();
    t->colors = COLORS >= 256 ? 256 : 8;
  }
  for (int s = 0; s < ST_COUNT; s++) {
    const StyleColor *c = &style_colors[s];
    if (!t->colors) {
      attrs[s] = mono_attr(s);
      pairs[s] = 0;
      continue;
    }
    short fg = t->colors == 256 ? c->c256 : c->c8;
    attrs[s] = t->colors == 256 ? c->a256 : c->a8;
    pairs[s] = (short)(s + 1);
    init_pair(pairs[s], fg, -1);
  }
}

int term_usable(char *why, size_t len) {
  const char *name = getenv("TERM");
  int errret = 0;
  if (!name || !*name) {
    snprintf(why, len, "TERM is not set");
    return 0;
  }
  if (setupterm(NULL, STDOUT_FILENO, &errret) != OK) {
    snprintf(why, len, "the terminal type TERM=%s is unknown", name);
    return 0;
  }
  const char *cup = tigetstr("cup");
  int ok = cup && cup != (const char *)-1;
  if (!ok) snprintf(why, len, "the terminal TERM=%s cannot move the cursor", name);
  del_curterm(cur_term);
  return ok;
}

int term_start(Term *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  setlocale(LC_CTYPE, ""); /* UTF-8 for ncursesw; numbers stay in the C locale */
  const char *cs = nl_langinfo(CODESET);
  t->utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
  if (!newterm(NULL, stdout, stdin)) {
    snprintf(err, errlen, "cannot start the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
    return -1;
  }
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  intrflush(stdscr, FALSE);
  set_escdelay(25);
  curs_set(0);
  leaveok(stdscr, TRUE);
  setup_colors(t);
  getmaxyx(stdscr, t->h, t->w);
  if (canvas_init(&t->shown, t->w, t->h)) {
    endwin();
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (int i = 0; i < t->w * t->h; i++) t->shown.cells[i].style = 0xff; /* repaint all */
  return 0;
}

void term_stop(Term *t) {
  curs_set(1);
  endwin();
  canvas_free(&t->shown);
}

void term_resize(Term *t) {
  getmaxyx(stdscr, t->h, t->w);
  canvas_resize(&t->shown, t->w, t->h);
  for (int i = 0; i < t->w * t->h; i++) t->shown.cells[i].style = 0xff;
  clearok(stdscr, TRUE);
}

void term_draw(Term *t, const Canvas *c) {
  if (c->w != t->shown.w || c->h != t->shown.h) return;
  for (int y = 0; y < c->h; y++)
    for (int x = 0; x < c->w; x++) {
      size_t i = (size_t)y * (size_t)c->w + (size_t)x;
      const Cell *cell = &c->cells[i];
      Cell *old = &t->shown.cells[i];
      if (old->cp == cell->cp && old->ascii == cell->ascii && old->style == cell->style) continue;
      *old = *cell;
      int st = cell->style < ST_COUNT ? cell->style : ST_TEXT;
      if (t->utf8) {
        wchar_t wc[2] = {(wchar_t)cell->cp, 0};
        cchar_t cc;
        setcchar(&cc, wc, attrs[st], pairs[st], NULL);
        mvadd_wch(y, x, &cc);
      } else {
        mvaddch(y, x, (chtype)(unsigned char)cell->ascii | attrs[st] | COLOR_PAIR(pairs[st]));
      }
    }
  refresh();
}

int term_key(Term *t, int timeout_ms) {
  (void)t;
  timeout(timeout_ms);
  int ch = getch();
  switch (ch) {
  case ERR: return TERM_NO_KEY;
  case KEY_UP: return DASH_KEY_UP;
  case KEY_DOWN: return DASH_KEY_DOWN;
  case KEY_BTAB: return DASH_KEY_BTAB;
  case KEY_ENTER: return DASH_KEY_ENTER;
  case KEY_BACKSPACE: return DASH_KEY_BACKSPACE;
  case KEY_F(1): return DASH_KEY_F1;
  case KEY_RESIZE: return DASH_KEY_RESIZE;
  default: return ch;
  }
}
