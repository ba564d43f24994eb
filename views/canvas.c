/* canvas.c — the text canvas, frames, braille and block glyphs, text output. */
#include "views/canvas.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int canvas_init(Canvas *c, int w, int h) {
  c->w = w > 0 ? w : 1;
  c->h = h > 0 ? h : 1;
  size_t n = (size_t)c->w * (size_t)c->h;
  c->cells = malloc(n * sizeof *c->cells);
  c->dots = malloc(n);
  c->dot_style = malloc(n);
  if (!c->cells || !c->dots || !c->dot_style) {
    canvas_free(c);
    return -1;
  }
  canvas_clear(c);
  return 0;
}

void canvas_free(Canvas *c) {
  free(c->cells);
  free(c->dots);
  free(c->dot_style);
  c->cells = NULL;
  c->dots = c->dot_style = NULL;
  c->w = c->h = 0;
}

int canvas_resize(Canvas *c, int w, int h) {
  canvas_free(c);
  return canvas_init(c, w, h);
}

void canvas_clear(Canvas *c) {
  for (int i = 0; i < c->w * c->h; i++) c->cells[i] = (Cell){' ', ' ', ST_TEXT};
}

Cell *canvas_at(Canvas *c, int x, int y) {
  if (x < 0 || y < 0 || x >= c->w || y >= c->h) return NULL;
  return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

void canvas_put(Canvas *c, int x, int y, uint32_t cp, char ascii, Style st) {
  Cell *cell = canvas_at(c, x, y);
  if (cell) *cell = (Cell){cp, ascii, (uint8_t)st};
}

int canvas_text(Canvas *c, int x, int y, const char *s, Style st, int max_w) {
  int n = 0;
  for (; *s && n < max_w; s++, n++) {
    char ch = *s >= 32 && *s < 127 ? *s : '?';
    canvas_put(c, x + n, y, (uint32_t)(unsigned char)ch, ch, st);
  }
  return n;
}

void canvas_fill(Canvas *c, Rect r, uint32_t cp, char ascii, Style st) {
  for (int y = r.y; y < r.y + r.h; y++)
    for (int x = r.x; x < r.x + r.w; x++) canvas_put(c, x, y, cp, ascii, st);
}

void canvas_box(Canvas *c, Rect r, const char *hotkey, const char *title, int focused) {
  if (r.w < 2 || r.h < 2) return;
  Style st = focused ? ST_FOCUS : ST_BORDER;
  int x1 = r.x + r.w - 1, y1 = r.y + r.h - 1;
  for (int x = r.x + 1; x < x1; x++) {
    canvas_put(c, x, r.y, 0x2500, '-', st);
    canvas_put(c, x, y1, 0x2500, '-', st);
  }
  for (int y = r.y + 1; y < y1; y++) {
    canvas_put(c, r.x, y, 0x2502, '|', st);
    canvas_put(c, x1, y, 0x2502, '|', st);
  }
  canvas_put(c, r.x, r.y, 0x256d, '+', st);
  canvas_put(c, x1, r.y, 0x256e, '+', st);
  canvas_put(c, r.x, y1, 0x2570, '+', st);
  canvas_put(c, x1, y1, 0x256f, '+', st);
  int x = r.x + 1, room = r.w - 3;
  if (room <= 0 || !title) return;
  canvas_put(c, x++, r.y, 0x2524, '[', st);
  room--;
  if (hotkey && *hotkey && room > 0) {
    int n = canvas_text(c, x, r.y, hotkey, focused ? ST_FOCUS : ST_KEY, room);
    x += n;
    room -= n;
    if (room > 0) canvas_put(c, x++, r.y, ' ', ' ', ST_TITLE), room--;
  }
  int n = canvas_text(c, x, r.y, title, focused ? ST_FOCUS : ST_TITLE, room > 1 ? room - 1 : 0);
  x += n;
  canvas_put(c, x, r.y, 0x251c, ']', st);
}

/* --- braille ------------------------------------------------------------ */

void braille_begin(Braille *b, Canvas *c, Rect r) {
  /* The part of r on the canvas: pixels beyond its right or bottom edge are dropped. */
  if (r.x < 0 || r.y < 0) r.w = r.h = 0;
  if (r.w > c->w - r.x) r.w = c->w - r.x;
  if (r.h > c->h - r.y) r.h = c->h - r.y;
  if (r.w < 0 || r.h < 0) r.w = r.h = 0;
  b->r = r;
  b->dots = c->dots;
  b->style = c->dot_style;
  memset(b->dots, 0, (size_t)r.w * (size_t)r.h);
}

void braille_set(Braille *b, int px, int py, Style st) {
  if (px < 0 || py < 0 || px >= 2 * b->r.w || py >= 4 * b->r.h) return;
  static const uint8_t bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
  size_t cell = (size_t)(py / 4) * (size_t)b->r.w + (size_t)(px / 2);
  b->dots[cell] |= bit[py % 4][px % 2];
  b->style[cell] = (uint8_t)st;
}

void braille_line(Braille *b, int x0, int y0, int x1, int y1, Style st) {
  int dx = abs(x1 - x0), dy = -abs(y1 - y0);
  int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
  for (int guard = 0; guard < 100000; guard++) {
    braille_set(b, x0, y0, st);
    if (x0 == x1 && y0 == y1) break;
    int e2 = 2 * e;
    if (e2 >= dy) e += dy, x0 += sx;
    if (e2 <= dx) e += dx, y0 += sy;
  }
}

/* The ASCII stand-in for a braille cell: where its dots sit vertically. */
static char braille_ascii(uint8_t dots) {
  static const uint8_t row_bits[4] = {0x09, 0x12, 0x24, 0xc0};
  int lo = -1, hi = -1;
  for (int r = 0; r < 4; r++)
    if (dots & row_bits[r]) {
      if (lo < 0) lo = r;
      hi = r;
    }
  if (lo < 0) return ' ';
  if (hi - lo >= 2) return '|';
  static const char by_row[4] = {'\'', '-', '.', '_'};
  return hi - lo == 1 && lo == 1 ? '-' : by_row[lo];
}

void braille_blit(const Braille *b, Canvas *c) {
  for (int y = 0; y < b->r.h; y++)
    for (int x = 0; x < b->r.w; x++) {
      size_t i = (size_t)y * (size_t)b->r.w + (size_t)x;
      if (b->dots[i])
        canvas_put(c, b->r.x + x, b->r.y + y, 0x2800u + b->dots[i], braille_ascii(b->dots[i]),
                   (Style)b->style[i]);
    }
}

void canvas_vblock(Canvas *c, int x, int y, int level, Style st) {
  if (level <= 0) return;
  if (level > 8) level = 8;
  static const char ascii[9] = {' ', '.', '.', '_', 'o', 'o', ':', '#', '#'};
  canvas_put(c, x, y, level == 8 ? 0x2588u : 0x2580u + (uint32_t)level, ascii[level], st);
}

/* --- text output -------------------------------------------------------- */

int utf8_encode(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

char *canvas_to_text(const Canvas *c, int utf8) {
  size_t cap = (size_t)c->h * ((size_t)c->w * 4 + 1) + 1, len = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  for (int y = 0; y < c->h; y++) {
    size_t row_start = len, keep = len;
    for (int x = 0; x < c->w; x++) {
      const Cell *cell = &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
      if (utf8) len += (size_t)utf8_encode(cell->cp, out + len);
      else out[len++] = cell->ascii;
      if (!(utf8 ? cell->cp == ' ' : cell->ascii == ' ')) keep = len;
    }
    (void)row_start;
    len = keep;
    out[len++] = '\n';
  }
  out[len] = 0;
  return out;
}

char *canvas_style_map(const Canvas *c) {
  size_t cap = (size_t)c->h * ((size_t)c->w + 1) + 1, len = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  for (int y = 0; y < c->h; y++) {
    size_t keep = len;
    for (int x = 0; x < c->w; x++) {
      const Cell *cell = &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
      int s = cell->style;
      char ch = s == ST_TEXT ? '.' : s < 26 ? (char)('a' + s) : (char)('A' + s - 26);
      out[len++] = ch;
      if (ch != '.') keep = len;
    }
    len = keep;
    out[len++] = '\n';
  }
  out[len] = 0;
  return out;
}

/* --- numbers ------------------------------------------------------------ */

void fmt_num(char *buf, size_t len, double x) {
  double a = fabs(x);
  if (isnan(x)) snprintf(buf, len, "-");
  else if (x == 0) snprintf(buf, len, "0");
  else if (a >= 1e-3 && a < 1e5) snprintf(buf, len, "%.4g", x);
  else snprintf(buf, len, "%.3g", x);
}

void fmt_count(char *buf, size_t len, double x) {
  double a = fabs(x);
  if (isnan(x)) snprintf(buf, len, "-");
  else if (a < 1000) snprintf(buf, len, a == floor(a) || a >= 100 ? "%.0f" : a < 10 ? "%.2f" : "%.1f", x);
  else if (a < 1e6) snprintf(buf, len, a < 1e4 ? "%.2fk" : "%.1fk", x / 1e3);
  else if (a < 1e9) snprintf(buf, len, a < 1e7 ? "%.2fM" : "%.1fM", x / 1e6);
  else snprintf(buf, len, "%.2fG", x / 1e9);
}

void fmt_pace(char *buf, size_t len, double steps_per_s) {
  if (steps_per_s > 0) snprintf(buf, len, "%.3g/s", steps_per_s);
  else snprintf(buf, len, "max");
}

void fmt_percent(char *buf, size_t len, double share) {
  double pct = 100 * share;
  if (isnan(pct)) snprintf(buf, len, "-");
  else if (pct == 0) snprintf(buf, len, "0%%");
  else if (fabs(pct) < 0.01) snprintf(buf, len, "%s0.01%%", pct > 0 ? "<" : ">-");
  else snprintf(buf, len, fabs(pct) >= 10 ? "%.0f%%" : "%.2g%%", pct);
}

void fmt_short(char *buf, size_t len, double x) {
  if (x == 0 || isnan(x)) {
    snprintf(buf, len, x == 0 ? "0" : "-");
    return;
  }
  double a = fabs(x);
  if (a >= 0.01 && a < 1000) {
    snprintf(buf, len, "%.3g", x);
    return;
  }
  int e = (int)floor(log10(a));
  double m = round(x / pow(10, e));
  if (fabs(m) >= 10) m /= 10, e++;
  snprintf(buf, len, "%.0fe%d", m, e);
}
