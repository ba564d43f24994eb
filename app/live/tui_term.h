/* tui_term.h — the terminal side of the TUI, the only code that calls curses:
 * start and restore the terminal, map styles to colours, copy a canvas to
 * the screen (changed cells only), read keys. Called from the UI thread only. */
#ifndef FLIPSCOPE_TUI_TERM_H
#define FLIPSCOPE_TUI_TERM_H

#include "views/canvas.h"

typedef struct {
  int utf8;      /* the locale is UTF-8: braille and blocks, else ASCII */
  int colors;    /* 0, 8 or 256 */
  int w, h;
  Canvas shown;  /* what is on the screen (to send only changes) */
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
 * TERM_NO_KEY when none came. */
int term_key(Term *t, int timeout_ms);

#endif
