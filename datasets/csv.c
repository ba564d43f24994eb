/* csv.c — the CSV loader (see csv.h).
 *
 * One pass over the text: each line is cut into cells (unquoted and trimmed
 * into a scratch buffer), feature cells are parsed as numbers in the C
 * locale whatever the process locale is, and label cells are kept as text
 * until every row is read; then the labels become class numbers, the rows
 * are shuffled and split.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r, strtod_l */
#endif
#include "datasets/csv.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/input_file.h"
#include "datasets/split.h"
#include "engine/error.h"
#include "engine/rng.h"

#define MAX_ROWS ((size_t)1 << 31)

typedef struct {
  const char *name;
  char delim;
  locale_t c_locale;
  size_t line;              /* 1-based line being parsed */
  char *cell;               /* the current cell, unquoted, trimmed, NUL-terminated */
  size_t cell_cap;
  /* the rows read so far */
  float *x;                 /* rows x (cols - 1) */
  size_t x_cap;
  size_t *label_at;         /* per row: offset of its label in `labels` */
  size_t label_at_cap;
  size_t *row_line;         /* per row: its line */
  size_t row_line_cap;
  char *labels;             /* NUL-terminated label texts */
  size_t labels_len, labels_cap;
  size_t rows;
  char *err;
  size_t errlen;
} Parser;

__attribute__((format(printf, 2, 3))) static int fail(Parser *P, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(P->err, P->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* Grows *buf (of *cap elements of `size` bytes) to hold at least `need`. */
static int grow(void *buf, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t cap2 = *cap ? *cap : 64;
  while (cap2 < need) {
    if (cap2 > SIZE_MAX / 2 / size) return -1;
    cap2 *= 2;
  }
  void *p = realloc(*(void **)buf, cap2 * size);
  if (!p) return -1;
  *(void **)buf = p;
  *cap = cap2;
  return 0;
}

/* The start of the current cell, quoted for a message: at most 24 bytes,
 * control bytes shown as '?', so the message stays one line. */
static const char *shown(const Parser *P, char *buf, size_t len) {
  size_t n = 0;
  for (const char *s = P->cell; *s && n + 4 < len && n < 24; s++)
    buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
  if (P->cell[n] && n + 4 < len) buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
  buf[n] = 0;
  return buf;
}

static int is_space(const Parser *P, char c) {
  return c == ' ' || c == '\r' || (c == '\t' && P->delim != '\t');
}

/* Reads the cell at *s (inside [*s, end)) into P->cell and moves *s past it
 * and its delimiter; *more says whether a delimiter followed. */
static int read_cell(Parser *P, const char **s, const char *end, size_t col, int *more) {
  const char *p = *s;
  size_t n = 0;
  while (p < end && is_space(P, *p)) p++;
  if (p < end && *p == '"') {
    for (p++;; p++) {
      if (p == end)
        return fail(P, "%s:%zu:%zu: unterminated quote (a quoted cell cannot span lines)",
                    P->name, P->line, col);
      if (*p == '"') {
        if (p + 1 < end && p[1] == '"') p++;
        else break;
      }
      if (grow(&P->cell, &P->cell_cap, n + 2, 1)) return fail(P, "%s: out of memory", P->name);
      P->cell[n++] = *p;
    }
    for (p++; p < end && is_space(P, *p); p++) {}
    if (p < end && *p != P->delim)
      return fail(P, "%s:%zu:%zu: text after the closing quote", P->name, P->line, col);
  } else {
    const char *q = p;
    while (q < end && *q != P->delim) q++;
    const char *last = q;
    while (last > p && is_space(P, last[-1])) last--;
    n = (size_t)(last - p);
    if (grow(&P->cell, &P->cell_cap, n + 1, 1)) return fail(P, "%s: out of memory", P->name);
    if (n) memcpy(P->cell, p, n);
    p = q;
  }
  if (grow(&P->cell, &P->cell_cap, n + 1, 1)) return fail(P, "%s: out of memory", P->name);
  P->cell[n] = 0;
  *more = p < end; /* then *p is the delimiter */
  *s = *more ? p + 1 : p;
  return 0;
}

enum { NUM_OK, NUM_EMPTY, NUM_TEXT, NUM_NONFINITE, NUM_RANGE };

/* Parses P->cell as a finite number within float range. */
static int cell_number(const Parser *P, double *v) {
  const char *s = P->cell;
  if (!*s) return NUM_EMPTY;
  char *e;
  errno = 0;
  *v = strtod_l(s, &e, P->c_locale);
  if (e == s || *e) return NUM_TEXT;
  if (isnan(*v) || (isinf(*v) && errno != ERANGE)) return NUM_NONFINITE;
  if (!(fabs(*v) <= FLT_MAX)) return NUM_RANGE;
  return NUM_OK;
}

static int number_error(Parser *P, int why, size_t col, const char *what) {
  char buf[40];
  switch (why) {
  case NUM_EMPTY: return fail(P, "%s:%zu:%zu: empty %s", P->name, P->line, col, what);
  case NUM_NONFINITE:
    return fail(P, "%s:%zu:%zu: '%s' is not a finite number", P->name, P->line, col,
                shown(P, buf, sizeof buf));
  case NUM_RANGE:
    return fail(P, "%s:%zu:%zu: '%s' is outside the float range", P->name, P->line, col,
                shown(P, buf, sizeof buf));
  default:
    return fail(P, "%s:%zu:%zu: '%s' is not a number", P->name, P->line, col,
                shown(P, buf, sizeof buf));
  }
}

/* The delimiter of the file: a tab or a semicolon if the first row has one
 * (outside quotes), else a comma. */
static char detect_delimiter(const char *s, const char *end) {
  int quoted = 0, semicolon = 0;
  for (; s < end; s++) {
    if (*s == '"') quoted = !quoted;
    else if (!quoted && *s == '\t') return '\t';
    else if (!quoted && *s == ';') semicolon = 1;
  }
  return semicolon ? ';' : ',';
}

/* Counts the cells of the row [s, end) (for the header and ragged checks). */
static int count_cells(Parser *P, const char *s, const char *end, size_t *cols) {
  int more = 1;
  for (*cols = 0; more;)
    if (read_cell(P, &s, end, ++*cols, &more)) return -1;
  return 0;
}

/* True when some feature cell of the row [s, end) is text that is no number
 * spelling: a header. Empty cells, "nan", "inf" or "1e39" are malformed data. */
static int row_has_text(Parser *P, const char *s, const char *end, size_t label_col) {
  int more = 1;
  double v;
  for (size_t col = 1; more; col++) {
    if (read_cell(P, &s, end, col, &more)) return -1;
    if (col != label_col && cell_number(P, &v) == NUM_TEXT) return 1;
  }
  return 0;
}

/* Appends the data row [s, end) of exactly `cols` cells. */
static int add_row(Parser *P, const char *s, const char *end, size_t cols, size_t label_col,
                   size_t first_line) {
  size_t dim = cols - 1;
  if (P->rows == MAX_ROWS) return fail(P, "%s:%zu: more than %zu rows", P->name, P->line, MAX_ROWS);
  if (grow(&P->x, &P->x_cap, (P->rows + 1) * dim, sizeof *P->x) ||
      grow(&P->label_at, &P->label_at_cap, P->rows + 1, sizeof *P->label_at) ||
      grow(&P->row_line, &P->row_line_cap, P->rows + 1, sizeof *P->row_line))
    return fail(P, "%s: out of memory at line %zu", P->name, P->line);
  float *row = P->x + P->rows * dim;
  int more = 1;
  size_t col = 0;
  while (more) {
    if (++col > cols)
      return fail(P, "%s:%zu:%zu: more than %zu columns (line %zu has %zu)", P->name, P->line, col,
                  cols, first_line, cols);
    if (read_cell(P, &s, end, col, &more)) return -1;
    if (col == label_col) {
      if (!P->cell[0]) return fail(P, "%s:%zu:%zu: empty label", P->name, P->line, col);
      size_t n = strlen(P->cell) + 1;
      if (grow(&P->labels, &P->labels_cap, P->labels_len + n, 1))
        return fail(P, "%s: out of memory at line %zu", P->name, P->line);
      P->label_at[P->rows] = P->labels_len;
      memcpy(P->labels + P->labels_len, P->cell, n);
      P->labels_len += n;
    } else {
      double v;
      int why = cell_number(P, &v);
      if (why != NUM_OK) return number_error(P, why, col, "cell");
      *row++ = (float)v;
    }
  }
  if (col < cols)
    return fail(P, "%s:%zu:%zu: the row ends after %zu columns, expected %zu (as in line %zu)",
                P->name, P->line, col + 1, col, cols, first_line);
  P->row_line[P->rows++] = P->line;
  return 0;
}

static int compare_labels(const void *a, const void *b, void *ctx) {
  const Parser *P = ctx;
  return strcmp(P->labels + P->label_at[*(const size_t *)a],
                P->labels + P->label_at[*(const size_t *)b]);
}

/* Numeric labels must leave no class between 0 and the largest one empty;
 * fails naming the first row past the gap. */
static int check_class_gap(Parser *P, size_t label_col, const uint8_t *y) {
  size_t counts[SPLIT_MAX_CLASSES] = {0};
  for (size_t i = 0; i < P->rows; i++) counts[y[i]]++;
  unsigned lo, hi;
  if (!split_classes_gap(counts, &lo, &hi)) return 0;
  size_t i = 0;
  while (y[i] != hi + 1) i++;
  char missing[16];
  snprintf(missing, sizeof missing, lo == hi ? "%u" : "%u..%u", lo, hi);
  return fail(P, "%s:%zu:%zu: label %u, but no row has label %s: numeric labels must be the "
              "classes 0..N-1 with none empty", P->name, P->row_line[i], label_col, hi + 1, missing);
}

/* Turns the label texts into class numbers in y[rows]; sets *classes. */
static int number_labels(Parser *P, size_t label_col, uint8_t *y, size_t *classes) {
  int numeric = 1;
  size_t top = 0;
  for (size_t i = 0; i < P->rows && numeric; i++) {
    const char *text = P->labels + P->label_at[i];
    char *e;
    errno = 0;
    double v = strtod_l(text, &e, P->c_locale);
    numeric = e != text && !*e && v >= 0 && v <= SPLIT_MAX_CLASSES - 1 && v == floor(v);
    if (numeric) {
      y[i] = (uint8_t)v;
      top = y[i] > top ? y[i] : top;
    }
  }
  if (numeric) {
    *classes = top + 1;
  } else {
    size_t *order = malloc(P->rows * sizeof *order);
    if (!order) return fail(P, "%s: out of memory", P->name);
    for (size_t i = 0; i < P->rows; i++) order[i] = i;
    qsort_r(order, P->rows, sizeof *order, compare_labels, P);
    size_t id = 0;
    for (size_t k = 0; k < P->rows; k++) {
      if (k && compare_labels(&order[k - 1], &order[k], P)) id++;
      if (id == SPLIT_MAX_CLASSES) {
        free(order);
        return fail(P, "%s: more than %d distinct labels in column %zu", P->name, SPLIT_MAX_CLASSES,
                    label_col);
      }
      y[order[k]] = (uint8_t)id;
    }
    free(order);
    *classes = id + 1;
  }
  int seen[SPLIT_MAX_CLASSES] = {0}, distinct = 0;
  for (size_t i = 0; i < P->rows; i++) distinct += !seen[y[i]]++;
  if (distinct < 2)
    return fail(P, "%s: every row has the label '%s' (column %zu); at least two classes are needed",
                P->name, P->labels + P->label_at[0], label_col);
  return numeric ? check_class_gap(P, label_col, y) : 0;
}

static int parse(Parser *P, const char *text, size_t len, const CsvOptions *opt, Dataset *out) {
  const char *p = text, *end = text + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* a UTF-8 byte-order mark */
  size_t cols = 0, first_line = 0, label_col = opt->label_col ? opt->label_col : 1;
  for (P->line = 1; p < end; P->line++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
    const char *s = p;
    p = nl ? nl + 1 : end;
    while (s < le && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
    if (s == le) continue; /* a blank line */
    if (!cols) {
      P->delim = detect_delimiter(s, le);
      if (count_cells(P, s, le, &cols)) return -1;
      first_line = P->line;
      if (cols < 2)
        return fail(P, "%s:%zu: one column; a label and at least one feature are needed", P->name,
                    P->line);
      if (label_col > cols) {
        fail(P, "%s: column %zu does not exist; %s has %zu columns",
             error_setting("label-col").text, label_col, P->name, cols);
        return ERR_USAGE;
      }
      int header = row_has_text(P, s, le, label_col);
      if (header < 0) return -1;
      if (header) continue;
    }
    if (add_row(P, s, le, cols, label_col, first_line)) return -1;
  }
  if (!cols) return fail(P, "%s: empty file (no rows)", P->name);
  if (P->rows < 2)
    return fail(P, "%s: %zu data row%s; at least 2 are needed (training and test)", P->name,
                P->rows, P->rows == 1 ? "" : "s");

  const size_t n = P->rows, dim = cols - 1;
  uint8_t *y = malloc(n);
  if (!y) return fail(P, "%s: out of memory", P->name);
  size_t classes = 0;
  if (number_labels(P, label_col, y, &classes)) {
    free(y);
    return -1;
  }
  double frac = opt->train_frac > 0 ? opt->train_frac : CSV_TRAIN_FRAC;
  size_t n_train = split_count(n, frac);
  if (split_alloc_f32(out, P->name, n_train, n - n_train, dim, classes, P->err, P->errlen)) {
    free(y);
    return -1;
  }
  float *x = (float *)out->train.x_f32;
  uint8_t *labels = (uint8_t *)out->train.labels;
  memcpy(x, P->x, n * dim * sizeof *x);
  memcpy(labels, y, n);
  free(y);
  Rng r;
  rng_seed(&r, opt->seed, RNG_STREAM_DATA);
  split_shuffle_rows(x, labels, n, dim, &r);
  return 0;
}

int csv_parse(const char *name, const char *text, size_t len, const CsvOptions *opt,
              Dataset *out, char *err, size_t errlen) {
  static const CsvOptions defaults = {0};
  Parser P = {.name = name, .delim = ',', .err = err, .errlen = errlen};
  memset(out, 0, sizeof *out);
  P.c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  if (!P.c_locale) return fail(&P, "%s: cannot create the C locale", name);
  int rc = parse(&P, text, len, opt ? opt : &defaults, out);
  freelocale(P.c_locale);
  free(P.cell);
  free(P.x);
  free(P.label_at);
  free(P.row_line);
  free(P.labels);
  return rc;
}

int csv_load(const char *path, const CsvOptions *opt, Dataset *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  char *text;
  size_t len;
  if (input_read(path, CSV_MAX_BYTES, &text, &len, err, errlen)) return -1;
  int rc = csv_parse(path, text, len, opt, out, err, errlen);
  free(text);
  return rc;
}
