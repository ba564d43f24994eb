/* resume.c — running figures and earlier log records across a resume (resume.h). */
#include "app/resume.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX_BYTES ((long)1 << 30)

size_t run_figures_encode(const RunFigures *f, char *buf, size_t len) {
  int n = snprintf(buf, len,
                   "flips_total=%llu\nepoch_loss=%a\nepoch_acc=%a\nepoch_steps=%zu\ntest_acc=%a\n"
                   "val_acc=%a\n",
                   f->flips_total, f->epoch_loss, f->epoch_acc, f->epoch_steps, f->test_acc,
                   f->val_acc);
  return n < 0 ? 0 : (size_t)n;
}

int run_figures_decode(const void *app, size_t len, RunFigures *f) {
  char *text = malloc(len + 1);
  if (!text) return -1;
  memcpy(text, app, len);
  text[len] = 0;
  locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  int rc = c ? 0 : -1;
  for (char *line = text, *next; c && line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    const char *v = eq + 1;
    char *end;
    errno = 0;
    if (!strcmp(line, "flips_total")) f->flips_total = strtoull(v, &end, 10);
    else if (!strcmp(line, "epoch_steps")) f->epoch_steps = (size_t)strtoull(v, &end, 10);
    else if (!strcmp(line, "epoch_loss")) f->epoch_loss = strtod_l(v, &end, c);
    else if (!strcmp(line, "epoch_acc")) f->epoch_acc = strtod_l(v, &end, c);
    else if (!strcmp(line, "test_acc")) f->test_acc = strtod_l(v, &end, c);
    else if (!strcmp(line, "val_acc")) f->val_acc = strtod_l(v, &end, c);
    else continue;
    if (end == v || *end || errno) rc = -1;
  }
  if (c) freelocale(c);
  free(text);
  return rc;
}

/* The whole file (at most LOG_MAX_BYTES), NUL-terminated, or NULL. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *text = NULL;
  long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (size >= 0 && size <= LOG_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0 &&
      (text = malloc((size_t)size + 1))) {
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = 0;
  }
  fclose(f);
  return text;
}

#define JSONL_HEADER "{\"type\":\"header\","
#define JSONL_LAYERS ",\"layers\":"

/* The part of a header that must not change for the old rows to stay: the
 * CSV columns; the JSONL header's layers (shapes and sampled weights). */
static const char *header_key(LogFormat format, const char *header) {
  if (format == LOG_CSV) return header;
  const char *layers = strstr(header, JSONL_LAYERS);
  return layers ? layers : header;
}

/* The length of the rows at the start of `rows` that a resume at `step`
 * keeps: each complete, in step order, none beyond `step`. CSV: rows 1, 2, ...
 * exactly; JSONL: records by their "step" (statistics steps, changes). */
static size_t kept_rows(LogFormat format, const char *rows, uint64_t step) {
  const char *p = rows, *row_end;
  for (uint64_t last = 0; (row_end = strchr(p, '\n')); p = row_end + 1) {
    char *end;
    uint64_t at;
    if (format == LOG_CSV) {
      at = strtoull(p, &end, 10);
      if (at != last + 1 || *end != ',') break;
    } else {
      const char *key = strstr(p, "\"step\":");
      if (!key || key > row_end) break;
      at = strtoull(key + 7, &end, 10);
      if (end == key + 7 || at < last) break;
    }
    if (at > step) break;
    last = at;
  }
  return (size_t)(p - rows);
}

void resume_log_read(const char *path, LogFormat format, uint64_t step, LogTail *t) {
  memset(t, 0, sizeof *t);
  t->format = format;
  char *text = slurp(path);
  if (!text) return;
  char *nl = strchr(text, '\n');
  const char *start = format == LOG_CSV ? "step," : JSONL_HEADER;
  if (!nl || strncmp(text, start, strlen(start)) != 0) {
    free(text);
    return;
  }
  *nl = 0;
  char *rows = nl + 1;
  t->rows_len = kept_rows(format, rows, step);
  t->header = strdup(text);
  t->rows = malloc(t->rows_len + 1);
  if (t->rows) {
    memcpy(t->rows, rows, t->rows_len);
    t->rows[t->rows_len] = 0;
  }
  free(text);
  if (!t->header || !t->rows) resume_log_free(t);
}

size_t resume_log_write(const LogTail *t, const char *path, FILE *f) {
  if (!t->header || !t->rows_len || !f) return 0;
  fflush(f);
  char *now = slurp(path);
  char *nl = now ? strchr(now, '\n') : NULL;
  size_t rows = 0;
  if (nl) {
    *nl = 0;
    if (strcmp(header_key(t->format, now), header_key(t->format, t->header)) == 0) {
      fwrite(t->rows, 1, t->rows_len, f);
      fflush(f);
      for (size_t i = 0; i < t->rows_len; i++) rows += t->rows[i] == '\n';
    }
  }
  free(now);
  return rows;
}

void resume_log_free(LogTail *t) {
  free(t->header);
  free(t->rows);
  memset(t, 0, sizeof *t);
}
