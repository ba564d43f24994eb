/* resume.c — running figures and log continuity across a resume (resume.h). */
#include "app/logs/resume.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The longest header or record line a resume looks for (a JSONL record with
 * every sampled weight is a few tens of KB). */
#define LOG_LINE_MAX ((size_t)16 << 20)

/* ---- running figures ---- */

/* s as hex digits into buf (snprintf-like: returns the length needed). */
static size_t hex_encode(const char *s, char *buf, size_t len) {
  size_t n = 0;
  for (; *s; s++, n += 2)
    if (n + 2 < len) snprintf(buf + n, 3, "%02x", (unsigned char)*s);
  if (len) buf[n < len ? n : len - 1] = 0;
  return n;
}

/* Hex digits back into a string of at most len - 1 bytes; 0 or -1. */
static int hex_decode(const char *hex, char *out, size_t len) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 >= len) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    char pair[3] = {hex[2 * i], hex[2 * i + 1], 0}, *end;
    unsigned long v = strtoul(pair, &end, 16);
    if (*end || v == 0 || !strchr("0123456789abcdef", pair[0]) || !strchr("0123456789abcdef", pair[1]))
      return -1;
    out[i] = (char)v;
  }
  out[n / 2] = 0;
  return 0;
}

size_t run_figures_encode(const RunFigures *f, char *buf, size_t len) {
  size_t used = 0;
  int n = snprintf(buf, len,
                   "flips_total=%llu\nflips_first=%llu\nepoch_loss=%a\nepoch_acc=%a\n"
                   "epoch_flip_ratio=%a\nepoch_steps=%zu\ntest_acc=%a\nval_acc=%a\n",
                   f->flips_total, f->flips_first, f->epoch_loss, f->epoch_acc,
                   f->epoch_flip_ratio, f->epoch_steps, f->test_acc, f->val_acc);
  if (n < 0) return 0;
  used = (size_t)n;
  const struct {
    const char *key;
    const LogMark *mark;
  } marks[] = {{"csv", &f->csv}, {"jsonl", &f->jsonl}};
  for (size_t i = 0; i < 2; i++) {
    if (!marks[i].mark->path[0]) continue;
    n = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "%s_log=",
                 marks[i].key);
    used += (size_t)n;
    used += hex_encode(marks[i].mark->path, used < len ? buf + used : NULL,
                       used < len ? len - used : 0);
    n = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
                 "\n%s_bytes=%llu\n", marks[i].key, (unsigned long long)marks[i].mark->bytes);
    used += (size_t)n;
  }
  return used;
}

/* One "key=value" of run_figures_encode into f; 1 if the key is known and
 * the value well-formed, 0 for an unknown key, -1 for a bad value. */
static int decode_field(const char *key, const char *v, RunFigures *f, locale_t c) {
  if (!strcmp(key, "csv_log")) return hex_decode(v, f->csv.path, sizeof f->csv.path) ? -1 : 1;
  if (!strcmp(key, "jsonl_log")) return hex_decode(v, f->jsonl.path, sizeof f->jsonl.path) ? -1 : 1;
  struct {
    const char *key;
    unsigned long long *count; /* a count, or */
    double *real;              /* a double */
  } fields[] = {{"flips_total", &f->flips_total, NULL}, {"flips_first", &f->flips_first, NULL},
                {"csv_bytes", &f->csv.bytes, NULL},
                {"jsonl_bytes", &f->jsonl.bytes, NULL},
                {"epoch_loss", NULL, &f->epoch_loss}, {"epoch_acc", NULL, &f->epoch_acc},
                {"epoch_flip_ratio", NULL, &f->epoch_flip_ratio},
                {"test_acc", NULL, &f->test_acc},     {"val_acc", NULL, &f->val_acc}};
  char *end = NULL;
  errno = 0;
  if (!strcmp(key, "epoch_steps")) {
    f->epoch_steps = (size_t)strtoull(v, &end, 10);
    return end == v || *end || errno || *v == '-' ? -1 : 1;
  }
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    if (strcmp(key, fields[i].key)) continue;
    if (fields[i].count) *fields[i].count = strtoull(v, &end, 10);
    else *fields[i].real = strtod_l(v, &end, c);
    return end == v || *end || errno || (fields[i].count && *v == '-') ? -1 : 1;
  }
  return 0;
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
    if (decode_field(line, eq + 1, f, c) < 0) rc = -1;
  }
  if (c) freelocale(c);
  free(text);
  /* A mark is whole or absent. */
  if (!f->csv.path[0] || !f->csv.bytes) f->csv = (LogMark){0};
  if (!f->jsonl.path[0] || !f->jsonl.bytes) f->jsonl = (LogMark){0};
  return rc;
}

/* ---- log marks ---- */

/* path made absolute without following its last component's absence: the
 * real path of the file, or of its directory and its name. 0 or -1. */
static int absolute_path(const char *path, char out[PATH_MAX]) {
  char *real = realpath(path, NULL);
  if (real) {
    int fits = strlen(real) < PATH_MAX;
    if (fits) strcpy(out, real);
    free(real);
    return fits ? 0 : -1;
  }
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  if (!slash) snprintf(dir, sizeof dir, ".");
  else snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
  if (!(real = realpath(dir, NULL))) return -1;
  const char *base = slash ? slash + 1 : path;
  int n = snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") ? real : "", base);
  free(real);
  return n > 0 && n < PATH_MAX && *base ? 0 : -1;
}

int log_mark_take(FILE *f, const char *path, const char *flag, LogMark *m, char *err,
                  size_t errlen) {
  memset(m, 0, sizeof *m);
  if (!f) return 0;
  struct stat st;
  if (fflush(f) != 0 || ferror(f) || fstat(fileno(f), &st) != 0) {
    snprintf(err, errlen, "%s %s: writing failed: %s", flag, path, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) return 0; /* a pipe or a device: nothing to continue */
  if (fsync(fileno(f)) != 0 || absolute_path(path, m->path)) {
    snprintf(err, errlen, "%s %s: cannot make it durable: %s", flag, path, strerror(errno));
    memset(m, 0, sizeof *m);
    return -1;
  }
  m->bytes = (uint64_t)st.st_size;
  return 0;
}

/* ---- continuing a log ---- */

/* Reads len bytes at off; 0 or -1. */
static int read_at(int fd, char *buf, size_t len, uint64_t off) {
  while (len) {
    ssize_t got = pread(fd, buf, len, (off_t)off);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    buf += got, len -= (size_t)got, off += (uint64_t)got;
  }
  return 0;
}

/* The line (of text: no NUL) that ends with the newline at byte end - 1, NUL-terminated and
 * malloc'd (its first byte's offset in *start), or NULL. */
static char *line_before(int fd, uint64_t end, uint64_t *start) {
  size_t span = end < LOG_LINE_MAX ? (size_t)end : LOG_LINE_MAX;
  char *buf = span ? malloc(span + 1) : NULL;
  if (!buf || read_at(fd, buf, span, end - span) || buf[span - 1] != '\n') {
    free(buf);
    return NULL;
  }
  size_t i = span - 1;
  while (i > 0 && buf[i - 1] != '\n') i--;
  if (i == 0 && span < end) { /* longer than any line we write */
    free(buf);
    return NULL;
  }
  buf[span - 1] = 0;
  if (memchr(buf + i, 0, span - 1 - i)) { /* not a line of text */
    free(buf);
    return NULL;
  }
  memmove(buf, buf + i, span - i);
  *start = end - span + i;
  return buf;
}

/* The first line (without its newline) if it ends within `limit` bytes and holds no NUL. */
static char *first_line(int fd, uint64_t limit) {
  size_t span = limit < LOG_LINE_MAX ? (size_t)limit : LOG_LINE_MAX;
  char *buf = malloc(span + 1);
  if (!buf || read_at(fd, buf, span, 0)) {
    free(buf);
    return NULL;
  }
  char *nl = memchr(buf, '\n', span);
  if (!nl || memchr(buf, 0, (size_t)(nl - buf))) {
    free(buf);
    return NULL;
  }
  *nl = 0;
  return buf;
}

#define JSONL_HEADER "{\"type\":\"header\","
#define JSONL_LAYERS ",\"layers\":"

/* The part of a header that must not change for the old records to stay:
 * the CSV columns; the JSONL header's layers (shapes and sampled weights)
 * and the traced weights after them. */
static const char *header_key(LogFormat format, const char *header) {
  if (format == LOG_CSV) return header;
  const char *layers = strstr(header, JSONL_LAYERS);
  return layers ? layers : header;
}

/* Whether `line`, the last one before a mark, belongs to a log at `step`:
 * CSV: row `step`; JSONL: a record of a step at or before it. */
static int ends_at_step(LogFormat format, const char *line, uint64_t step) {
  char *end;
  if (format == LOG_CSV) {
    unsigned long long at = strtoull(line, &end, 10);
    return end != line && *end == ',' && at == step;
  }
  const char *key = line[0] == '{' ? strstr(line, "\"step\":") : NULL;
  if (!key) return 0;
  unsigned long long at = strtoull(key + 7, &end, 10);
  return end != key + 7 && at <= step;
}

/* Checks that the log open as fd (length `size`) holds what mark m says:
 * a header that fits this run's and a last record at `step`. Returns the old
 * header's length (with its newline), or 0 with a message in err; *same says
 * whether the old header is this run's exactly. */
static size_t check_log(int fd, uint64_t size, LogFormat format, const LogMark *m, uint64_t step,
                        const char *header, int *same, char *err, size_t errlen) {
  if (size < m->bytes) {
    snprintf(err, errlen, "is shorter (%llu bytes) than when the checkpoint at step %llu was saved "
             "(%llu bytes): records are missing", (unsigned long long)size,
             (unsigned long long)step, (unsigned long long)m->bytes);
    return 0;
  }
  char *old = first_line(fd, m->bytes);
  const char *start = format == LOG_CSV ? "step," : JSONL_HEADER;
  size_t header_len = old ? strlen(old) + 1 : 0;
  *same = old && strcmp(old, header) == 0;
  if (!old || strncmp(old, start, strlen(start)) != 0) {
    snprintf(err, errlen, "has no %s header where the checkpoint left one", format == LOG_CSV ? "CSV" : "JSONL");
    header_len = 0;
  } else if (strcmp(header_key(format, old), header_key(format, header)) != 0) {
    snprintf(err, errlen, "its %s differ from this run's (another model, or telemetry switched on or "
             "off%s)", format == LOG_CSV ? "columns" : "layers, sampled or traced weights",
             format == LOG_CSV ? "" : ", or other --trace-weights");
    header_len = 0;
  }
  free(old);
  if (!header_len) return 0;
  uint64_t line_start = 0;
  char *last = line_before(fd, m->bytes, &line_start);
  int ok = last && (line_start == 0 || ends_at_step(format, last, step));
  free(last);
  if (!ok) {
    snprintf(err, errlen, "does not end at step %llu where the checkpoint was saved",
             (unsigned long long)step);
    return 0;
  }
  return header_len;
}

/* Writes header and the old records [from, to) of fd to a new file beside
 * path and renames it over path. 0 or -1 (errno set). */
static int rewrite_with_header(int fd, const char *path, const char *header, uint64_t from,
                               uint64_t to) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp) return -1;
  snprintf(tmp, n, "%s.tmp-XXXXXX", path);
  int out = mkstemp(tmp);
  FILE *f = out >= 0 ? fdopen(out, "w") : NULL;
  int bad = !f;
  if (f) {
    fprintf(f, "%s\n", header);
    char buf[1 << 16];
    for (uint64_t at = from; !bad && at < to;) {
      size_t chunk = to - at < sizeof buf ? (size_t)(to - at) : sizeof buf;
      bad = read_at(fd, buf, chunk, at) || fwrite(buf, 1, chunk, f) != chunk;
      at += chunk;
    }
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
  } else if (out >= 0) {
    close(out);
  }
  if (!bad) bad = rename(tmp, path) != 0;
  if (bad && out >= 0) unlink(tmp);
  free(tmp);
  return bad ? -1 : 0;
}

int log_continue(const char *path, LogFormat format, const char *flag, const LogMark *m,
                 uint64_t step, const char *header, FILE **out, char *err, size_t errlen) {
  if (out) *out = NULL;
  char here[PATH_MAX];
  if (!m->path[0] || absolute_path(path, here) || strcmp(here, m->path) != 0) return 0;
  const char *redo = "; restore it, or name a new file to start a new log";
  int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0) {
    snprintf(err, errlen, "%s %s: the log the checkpoint continues (up to step %llu) %s%s", flag,
             path, (unsigned long long)step,
             errno == ENOENT ? "is missing" : strerror(errno), redo);
    return -1;
  }
  char why[256];
  size_t header_len = 0;
  int same = 0;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, 0) != 0)
    snprintf(why, sizeof why, "is not a regular file any more");
  else
    header_len = check_log(fd, (uint64_t)st.st_size, format, m, step, header, &same, why,
                           sizeof why);
  if (!header_len) {
    snprintf(err, errlen, "%s %s: %s%s", flag, path, why, redo);
    close(fd);
    return -1;
  }
  if (!out) { /* only the check */
    close(fd);
    return 0;
  }
  /* Drop what a killed run wrote after the checkpoint, keep the rest. */
  int bad;
  if (same) {
    bad = ftruncate(fd, (off_t)m->bytes) != 0 || lseek(fd, 0, SEEK_END) < 0 ||
          !(*out = fdopen(fd, "a"));
  } else {
    bad = rewrite_with_header(fd, path, header, header_len, m->bytes) != 0;
    close(fd);
    if (!bad) bad = !(*out = fopen(path, "a"));
  }
  if (bad) {
    snprintf(err, errlen, "%s %s: cannot continue the log: %s", flag, path, strerror(errno));
    if (same && !*out) close(fd);
    return -1;
  }
  return 0;
}
