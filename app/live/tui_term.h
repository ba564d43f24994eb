/* tui_term.h — the terminal side of the TUI, the only code that calls curses:
 * start and restore the terminal, map styles to colours, copy a canvas to
 * the screen (changed cells only), read keys and the mouse (clicks and the
 * wheel, reported as SGR 1006 where the terminal can). Called from the UI
 * thread only. */
#ifndef FLIPSCOPE_TUI_TERM_H
#define FLIPSCOPE_TUI_TERM_H

#include "views/canvas.h"

typedef struct {
  int utf8;      /* the locale is UTF-8: braille and blocks, else ASCII */
  int colors;    /* 0, 8 or 256 */
  int w, h;
  Canvas shown;  /* what is on the screen (to send only changes) */
  int mouse;     /* 1: the terminal reports the mouse */
  int mouse_x, mouse_y; /* the cell of the last DASH_KEY_CLICK or wheel event */
} Term;

/* 1 when the terminal ($TERM) can address the cursor, so the live view can
 * run; else 0 with the reason in why. */
int term_usable(char *why, size_t len);
/* Starts curses on the terminal (first the LC_CTYPE of the environment, for
 * UTF-8; numbers stay in the C locale). Returns 0, or -1 when the
 * terminal cannot be used (message in err). */
int term_start(Term *t, char *err, size_t errlen);
/* Restores the terminal. */
void term_stop(Term *t);
/* Re-reads the size after DASH_KEY_RESIZE; the next draw repaints everything. */
void term_resize(Term *t);
/* Copies c (of the terminal's size) to the screen and refreshes. */
void term_draw(Term *t, const Canvas *c);
#define TERM_NO_KEY (-1)

/* The next key within timeout_ms, as the key table codes it (views/keys.h:
 * a character or a DASH_KEY_* code; other special keys keep curses' codes);
 * a left click or the wheel as DASH_KEY_CLICK, DASH_KEY_WHEEL_UP or _DOWN
 * with its cell in mouse_x, mouse_y (other mouse events are none);
 * TERM_NO_KEY when none came. */
int term_key(Term *t, int timeout_ms);

#endif
