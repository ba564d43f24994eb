/* canvas.h — the text canvas every view draws on: width x height cells, each
 * a Unicode glyph with its ASCII fallback and a semantic style.
 *
 * Views never talk to a terminal. The ncurses front end copies a canvas to the
 * screen (choosing the glyph or the fallback by locale and mapping styles to
 * colour pairs); `--headless --screen` and the snapshot tests turn it into
 * text. Every glyph used is one column wide.
 */
#ifndef FLIPSCOPE_CANVAS_H
#define FLIPSCOPE_CANVAS_H

#include <stddef.h>
#include <stdint.h>

/* Semantic styles; app/live/tui_term.c maps each to colours and attributes for 8
 * and 256-colour terminals. Order is part of the golden files' style maps. */
typedef enum {
  ST_TEXT,        /* default text */
  ST_DIM,         /* axis labels, secondary text */
  ST_TITLE,       /* pane titles */
  ST_BORDER,      /* pane frames */
  ST_FOCUS,       /* the focused pane's frame and title */
  ST_KEY,         /* a key name in the footer and help */
  ST_VALUE,       /* a number worth seeing */
  ST_SELECT,      /* the selected row (reverse video) */
  ST_OK,          /* running */
  ST_WARN,        /* paused, approximate, pending */
  ST_ERR,         /* diverged, errors */
  ST_LOSS,        /* loss curve */
  ST_TRAIN,       /* train accuracy */
  ST_TEST,        /* test accuracy */
  ST_GHOST,       /* a pinned run (the first colour; ST_GHOST1-3 below) */
  ST_MARK,        /* parameter-change markers */
  ST_L0, ST_L1, ST_L2, ST_L3, /* layer colours, cycled */
  ST_POS0, ST_POS1, ST_POS2, ST_POS3, /* +1 weights, weak .. strong inertia */
  ST_NEG0, ST_NEG1, ST_NEG2, ST_NEG3, /* -1 weights */
  ST_FLIP,        /* a weight that just flipped */
  ST_FAN0, ST_FAN1, ST_FAN2, ST_FAN3, /* percentile bands, outer .. inner */
  ST_MEDIAN,      /* the median line */
  ST_RESP,        /* frequency response */
  ST_CUTOFF,      /* cut-off marker */
  ST_GHOST1, ST_GHOST2, ST_GHOST3, /* the second to fourth pinned runs' colours (ST_GHOST the first) */
  ST_COUNT
} Style;

typedef struct {
  uint32_t cp;    /* Unicode code point (one column wide) */
  char ascii;     /* printable ASCII fallback */
  uint8_t style;  /* a Style */
} Cell;

typedef struct {
  int x, y, w, h;
} Rect;

typedef struct {
  int w, h;
  Cell *cells;    /* h rows of w */
  uint8_t *dots, *dot_style; /* w x h: the scratch of the one braille plot being drawn */
} Canvas;

int canvas_init(Canvas *c, int w, int h); /* 0, or -1 out of memory */
void canvas_free(Canvas *c);
/* Resizes (contents are cleared). */
int canvas_resize(Canvas *c, int w, int h);
void canvas_clear(Canvas *c);
Cell *canvas_at(Canvas *c, int x, int y); /* NULL outside */

/* One cell; cells outside the canvas are ignored. */
void canvas_put(Canvas *c, int x, int y, uint32_t cp, char ascii, Style st);
/* ASCII text, at most max_w columns (none when max_w <= 0); returns columns used. */
int canvas_text(Canvas *c, int x, int y, const char *s, Style st, int max_w);
void canvas_fill(Canvas *c, Rect r, uint32_t cp, char ascii, Style st);
/* A rounded frame with "title" set into the top edge after a hotkey digit. */
void canvas_box(Canvas *c, Rect r, const char *hotkey, const char *title, int focused);

/* Braille plotting, two samples per cell horizontally and four vertically:
 * a pixel grid 2w x 4h over the cells of r; set pixels, then blit. */
typedef struct {
  Rect r;
  uint8_t *dots;  /* w x h cells' dot bits */
  uint8_t *style; /* per cell: the style of the last pixel set there */
} Braille;

/* Starts a plot over r in the canvas's scratch (nothing is allocated while
 * drawing; one plot at a time per canvas, blitted before the next begins). */
void braille_begin(Braille *b, Canvas *c, Rect r);
void braille_set(Braille *b, int px, int py, Style st);
/* A line from (x0,y0) to (x1,y1) in pixels. */
void braille_line(Braille *b, int x0, int y0, int x1, int y1, Style st);
/* Copies the set cells onto the canvas; unset cells are left as they are. */
void braille_blit(const Braille *b, Canvas *c);

/* One of eight vertical block levels (0 = empty .. 8 = full cell). */
void canvas_vblock(Canvas *c, int x, int y, int level, Style st);

/* The canvas as text: rows joined by '\n', UTF-8 glyphs or ASCII fallbacks,
 * trailing blanks trimmed. Returns a malloc'd string. */
char *canvas_to_text(const Canvas *c, int utf8);
/* The style map: one character per cell ('.' for ST_TEXT on a blank, else
 * 'a' + style, 'A' + style - 26 beyond), rows joined by '\n', trimmed of
 * trailing '.'. Returns a malloc'd string. */
char *canvas_style_map(const Canvas *c);
/* Encodes cp as UTF-8 into out (>= 5 bytes); returns the length. */
int utf8_encode(uint32_t cp, char *out);

/* Compact number formats shared by the views: "1.23e-03" style (%.3g with a
 * fixed exponent), "12.3k", percentages. */
void fmt_num(char *buf, size_t len, double x);
void fmt_count(char *buf, size_t len, double x);
/* A pace: "2/s", "0.25/s", or "max" for 0 (as fast as it goes). */
void fmt_pace(char *buf, size_t len, double steps_per_s);
/* A share as a percentage with two digits: "1.2%", "0.034%"; "0%" for 0,
 * "<0.01%" below it (a decaying average never reaches 0), "-" for NaN. */
void fmt_percent(char *buf, size_t len, double share);
/* An axis label in at most 6 columns: "0.012", "0.1", "1", "3e-5", "-1e-10",
 * the mantissa rounded to one digit as shown (9.6e-5 is "1e-4", never
 * "10e-5"); "0" for 0, "-" for NaN. */
void fmt_short(char *buf, size_t len, double x);

#endif
