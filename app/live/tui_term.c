/* tui_term.c — curses: colours, canvas copying, keys, the mouse (see tui_term.h). */
#define NCURSES_WIDECHAR 1
#include "app/live/tui_term.h"

#include <curses.h>
#include <term.h>
#include <langinfo.h>
#include <locale.h>
#include <ctype.h>
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
    [ST_GHOST1] = {96, COLOR_MAGENTA, 0, A_DIM},
    [ST_GHOST2] = {66, COLOR_CYAN, 0, A_DIM},
    [ST_GHOST3] = {137, COLOR_YELLOW, 0, A_DIM},
};

/* Without colour, only attributes tell styles apart. */
static attr_t mono_attr(int st) {
  switch (st) {
  case ST_SELECT: return A_REVERSE;
  case ST_FOCUS: case ST_KEY: case ST_TITLE: case ST_ERR: case ST_VALUE: return A_BOLD;
  case ST_DIM: case ST_GHOST: case ST_GHOST1: case ST_GHOST2: case ST_GHOST3: return A_DIM;
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

#define SGR_MOUSE_ON "\033[?1006h"
#define SGR_MOUSE_OFF "\033[?1006l"

/* Clicks and the wheel, reported at once (no click resolution); SGR 1006
 * asked for on top of what curses turns on, so that columns past 223 work
 * and a terminal whose terminfo knows only X10 reports (kmous \E[M) sends
 * sequences term_key decodes itself. */
static void start_mouse(Term *t) {
  t->mouse = mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL) != 0;
  if (!t->mouse) return;
  mouseinterval(0);
  putp(SGR_MOUSE_ON);
  fflush(stdout);
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
  start_mouse(t);
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
  if (t->mouse) {
    mousemask(0, NULL);
    putp(SGR_MOUSE_OFF);
    fflush(stdout);
  }
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

/* A mouse event as a key: a press of the left button (SGR button 0, any
 * modifiers) a click, buttons 64 and 65 the wheel; the cell (0-based) kept. */
static int mouse_key(Term *t, int button, int pressed, int x, int y) {
  t->mouse_x = x, t->mouse_y = y;
  if (!pressed || button & 32) return TERM_NO_KEY; /* releases, drags */
  switch (button & ~(4 | 8 | 16)) {
  case 0: return DASH_KEY_CLICK;
  case 64: return DASH_KEY_WHEEL_UP;
  case 65: return DASH_KEY_WHEEL_DOWN;
  default: return TERM_NO_KEY;
  }
}

/* After an Esc: the rest of an SGR mouse report "[<B;X;Y" and M (press) or
 * m (release), decoded; anything else is given back, and the Esc is a key. */
static int sgr_report(Term *t) {
  int c1 = getch();
  if (c1 != '[') {
    if (c1 != ERR) ungetch(c1);
    return 27;
  }
  int c2 = getch();
  if (c2 != '<') {
    if (c2 != ERR) ungetch(c2);
    ungetch('[');
    return 27;
  }
  int v[3] = {0, 0, 0}, k = 0, ch = 0;
  for (int guard = 0; guard < 24 && (ch = getch()) != ERR; guard++) {
    if (isdigit(ch)) v[k] = v[k] < 100000 ? v[k] * 10 + (ch - '0') : v[k];
    else if (ch == ';' && k < 2) k++;
    else break;
  }
  if (k != 2 || (ch != 'M' && ch != 'm')) return TERM_NO_KEY; /* a broken report: dropped */
  return mouse_key(t, v[0], ch == 'M', v[1] - 1, v[2] - 1);
}

/* A report curses decoded itself (terminfo with kmous \E[<, as xterm's). */
static int curses_mouse(Term *t) {
  MEVENT ev;
  if (getmouse(&ev) != OK) return TERM_NO_KEY;
  int button = ev.bstate & BUTTON1_PRESSED ? 0 : ev.bstate & BUTTON4_PRESSED ? 64
               : ev.bstate & BUTTON5_PRESSED ? 65 : 3;
  return mouse_key(t, button, 1, ev.x, ev.y);
}

int term_key(Term *t, int timeout_ms) {
  timeout(timeout_ms);
  int ch = getch();
  if (ch == 27 && t->mouse) {
    timeout(0);
    return sgr_report(t);
  }
  switch (ch) {
  case ERR: return TERM_NO_KEY;
  case KEY_MOUSE: return curses_mouse(t);
  case KEY_LEFT: return DASH_KEY_LEFT;
  case KEY_RIGHT: return DASH_KEY_RIGHT;
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
