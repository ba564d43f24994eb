/* log_read.c — reading a run's CSV and JSONL logs back into memory (log_read.h). */
#include "app/logs/log_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/input_file.h"
#include "engine/model.h"

/* ---------------------------------------------------------------- lines */

/* A log read whole into memory (at most LOG_READ_MAX_BYTES, whatever the
 * file does meanwhile: a running training appends to it), and its lines. */
typedef struct {
  char *text;
  size_t len;
  const char *at;   /* the next line */
  char *line;       /* the current line, without its line break */
  size_t line_len;  /* its length (a NUL byte in it is data, not its end) */
  size_t cap;
  int partial;      /* the current line is the last and has no line break yet */
} LogText;

/* Reads the file path whole into t. 0, or -1 with "PATH: reason" in err. */
static int text_load(LogText *t, const char *path, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  if (input_read(path, LOG_READ_MAX_BYTES, &t->text, &t->len, err, errlen)) return -1;
  t->at = t->text;
  return 0;
}

/* Releases t's text and line. */
static void text_free(LogText *t) {
  free(t->text);
  free(t->line);
  memset(t, 0, sizeof *t);
}

/* Goes back to the first line. */
static void text_rewind(LogText *t) { t->at = t->text; }

/* The next line (NUL-terminated, without "\r\n"), or NULL at the end. */
static char *text_line(LogText *t) {
  const char *end = t->text + t->len;
  if (!t->text || t->at >= end) return NULL;
  const char *nl = memchr(t->at, '\n', (size_t)(end - t->at));
  size_t n = (size_t)((nl ? nl : end) - t->at);
  if (n + 1 > t->cap) {
    char *bigger = realloc(t->line, n + 1);
    if (!bigger) return NULL;
    t->line = bigger, t->cap = n + 1;
  }
  memcpy(t->line, t->at, n);
  while (n > 0 && t->line[n - 1] == '\r') n--;
  t->line[n] = 0;
  t->line_len = n;
  t->partial = !nl;
  t->at = nl ? nl + 1 : end;
  return t->line;
}

/* Notes that the unfinished last line of a log still being written was left out. */
static void note_partial(LogRun *r, const char *path, size_t line_no) {
  snprintf(r->note, sizeof r->note, "left out the unfinished last line %zu of %.180s", line_no, path);
}

/* The message for a failed allocation while reading path. */
static void out_of_memory(const char *path, char *err, size_t errlen) {
  snprintf(err, errlen, "out of memory reading %s", path);
}

/* Allocates a run's series: `points` plotted steps of loss, accuracy and
 * `width` flip columns, and up to `tests` evaluated steps. 0, or -1 when
 * memory ran out (what was allocated is freed with the run). */
static int alloc_series(LogRun *r, size_t points, size_t tests, size_t width) {
  r->step = calloc(points + 1, sizeof *r->step);
  r->loss = calloc(points + 1, sizeof *r->loss);
  r->acc = calloc(points + 1, sizeof *r->acc);
  r->flips = calloc((points + 1) * width, sizeof *r->flips);
  r->reversals = calloc((points + 1) * width, sizeof *r->reversals);
  r->test_step = calloc(tests + 1, sizeof *r->test_step);
  r->test_acc = calloc(tests + 1, sizeof *r->test_acc);
  return r->step && r->loss && r->acc && r->flips && r->reversals && r->test_step && r->test_acc
             ? 0
             : -1;
}

/* ---------------------------------------------------------------- JSONL */

/* True when a JSONL line is a step record (its "type" comes first). */
static int is_step_line(const char *line) {
  const char *t = strstr(line, "\"type\":");
  return t && t - line < 16 && !strncmp(t + 7, "\"step\"", 6);
}

/* A step record's per-layer statistics into out (layer array allocated). */
static int record_from_json(const LogRun *r, const json_t *j, LogRecord *out) {
  const json_t *layers = json_object_get(j, "layers");
  if (!json_is_array(layers) || json_array_size(layers) != r->layers) return -1;
  out->step = json_get_number(j, "step");
  out->rate = json_get_number(j, "rate");
  out->layer = calloc(r->layers, sizeof *out->layer);
  if (!out->layer) return -1;
  for (size_t l = 0; l < r->layers; l++) {
    const json_t *L = json_array_get(layers, l);
    LogLayerStats *o = &out->layer[l];
    const json_t *pct = json_object_get(L, "pct"), *hist = json_object_get(L, "hist");
    const char *sign = json_get_string(L, "sign");
    for (int p = 0; p < TEL_PERCENTILES; p++)
      o->pct[p] = (size_t)p < json_array_size(pct) ? (float)json_as_number(json_array_get(pct, (size_t)p))
                                                   : NAN;
    o->abs_median = (float)json_get_number(L, "abs_median");
    o->near_zero = (float)json_get_number(L, "near_zero");
    double count = json_get_number(L, "stats_count");
    for (int b = 0; b < TEL_HIST_BINS; b++) {
      double c = (size_t)b < json_array_size(hist) ? json_as_number(json_array_get(hist, (size_t)b)) : 0;
      o->hist[b] = count > 0 && isfinite(c) ? (float)(c / count) : 0.0f;
    }
    size_t ns = sign ? strlen(sign) : 0;
    o->samples = (unsigned)(ns < TEL_MAX_SAMPLES ? ns : TEL_MAX_SAMPLES);
    for (unsigned i = 0; i < o->samples; i++) o->sign[i] = sign[i] == '-' ? -1 : 1;
  }
  return 0;
}

/* The header record j becomes r's (r keeps j). */
static void take_header(LogRun *r, json_t *j) {
  const json_t *layers = json_object_get(j, "layers");
  const char *hist = json_get_string(json_object_get(j, "telemetry"), "hist");
  r->layers = json_array_size(layers);
  if (r->layers > MODEL_MAX_LAYERS) r->layers = MODEL_MAX_LAYERS;
  r->hist_linear = hist && !strcmp(hist, "linear");
  log_trace_header(&r->trace, j);
  r->header = j;
}

/* Appends the param_change record j to r's events. 0, or -1 when memory ran out. */
static int take_event(LogRun *r, const json_t *j) {
  if (r->nev == r->evcap) {
    size_t ncap = r->evcap ? 2 * r->evcap : 16;
    LogEvent *ev = realloc(r->ev, ncap * sizeof *ev);
    if (!ev) return -1;
    r->ev = ev, r->evcap = ncap;
  }
  LogEvent *e = &r->ev[r->nev++];
  const char *param = json_get_string(j, "param"), *text = json_get_string(j, "text");
  e->step = json_get_number(j, "step");
  e->old_value = json_get_number(j, "old");
  e->new_value = json_get_number(j, "new");
  e->settings = json_object_get(j, "settings");
  if (!json_is_object(e->settings)) e->settings = NULL;
  json_incref(e->settings);
  snprintf(e->param, sizeof e->param, "%s", param ? param : "");
  if (text)
    snprintf(e->text, sizeof e->text, "%s", text);
  else
    snprintf(e->text, sizeof e->text, "%s %.4g -> %.4g", e->param, json_get_number(j, "old"),
             json_get_number(j, "new"));
  return 0;
}

/* Takes line line_no's record j (NULL: a line left out) into r, and releases
 * j unless r keeps it. 0, or -1 with one line in err. */
static int take_record(LogRun *r, json_t *j, const char *path, size_t line_no, char *err,
                       size_t errlen) {
  const char *type = json_get_string(j, "type");
  int rc = 0;
  if (type && !strcmp(type, "header") && !r->header) {
    take_header(r, j);
    return 0;
  }
  if (type && !strcmp(type, "step")) {
    if (!r->header) {
      snprintf(err, errlen, "%s:%zu: a step record before the header", path, line_no);
      rc = -1;
    } else if (r->nrec < LOG_READ_MAX_RECORDS + 2 && record_from_json(r, j, &r->rec[r->nrec]) == 0) {
      r->nrec++;
    } else if (r->nrec < LOG_READ_MAX_RECORDS + 2) {
      snprintf(err, errlen, "%s:%zu: the step record's layers do not match the header", path,
               line_no);
      rc = -1;
    }
  } else if (type && !strcmp(type, "param_change") && take_event(r, j)) {
    out_of_memory(path, err, errlen);
    rc = -1;
  } else if (type && !strcmp(type, "trace") && r->header && (rc = log_trace_take(&r->trace, j))) {
    if (rc > 0) snprintf(err, errlen, "%s:%zu: the trace record's weights do not match the "
                         "header's trace list", path, line_no);
    else out_of_memory(path, err, errlen);
    rc = -1;
  }
  json_decref(j);
  return rc;
}

/* The header, the step records (one in keep_every, and the last) and the
 * parameter changes of a JSONL log. */
static int read_jsonl(LogRun *r, LogText *f, const char *path, char *err, size_t errlen) {
  char *buf;
  size_t steps = 0;
  while ((buf = text_line(f))) steps += is_step_line(buf);
  text_rewind(f);
  size_t keep_every =
      steps > LOG_READ_MAX_RECORDS ? (steps + LOG_READ_MAX_RECORDS - 1) / LOG_READ_MAX_RECORDS : 1;
  r->rec = calloc(LOG_READ_MAX_RECORDS + 2, sizeof *r->rec);
  if (!r->rec) {
    out_of_memory(path, err, errlen);
    return -1;
  }
  size_t line_no = 0, index = 0;
  while ((buf = text_line(f))) {
    line_no++;
    if (!buf[strspn(buf, " \t")]) continue;
    int step_line = is_step_line(buf);
    if (step_line && index++ % keep_every != 0 && index != steps) continue;
    char jerr[128];
    json_t *j = json_parse_text(buf, f->line_len, jerr, sizeof jerr);
    if (!j && f->partial) {
      note_partial(r, path, line_no);
    } else if (!j) {
      snprintf(err, errlen, "%s:%zu: not JSON: %s", path, line_no, jerr);
      return -1;
    }
    if (take_record(r, j, path, line_no, err, errlen)) return -1;
  }
  if (!r->header) {
    snprintf(err, errlen, "%s: no header record (is it a flipscope --log-jsonl file?)", path);
    return -1;
  }
  return 0;
}

/* Loss, accuracy and flips from the JSONL step records when there is no CSV. */
static int series_from_jsonl(LogRun *r, LogText *f) {
  char *buf;
  size_t rows = 0;
  text_rewind(f);
  while ((buf = text_line(f))) rows += is_step_line(buf);
  size_t width = r->layers + 1;
  r->csv_layers = r->layers;
  r->ncols_flips = width;
  r->have_reversals = r->layers > 0;
  int allocated = alloc_series(r, rows, rows, width) == 0;
  text_rewind(f);
  while (allocated && (buf = text_line(f))) {
    if (!is_step_line(buf)) continue;
    json_t *j = json_parse_text(buf, f->line_len, NULL, 0);
    if (!j) continue;
    size_t p = r->n++;
    r->step[p] = json_get_number(j, "step");
    r->loss[p] = json_get_number(j, "loss");
    r->acc[p] = json_get_number(j, "train_acc");
    r->flips[p * width] = json_get_number(j, "flips");
    const json_t *layers = json_object_get(j, "layers");
    for (size_t l = 0; l < r->layers; l++) {
      const json_t *L = json_array_get(layers, l);
      r->flips[p * width + 1 + l] = json_get_number(L, "flips");
      r->reversals[p * width + 1 + l] = json_get_number(L, "reversals");
    }
    double test = json_get_number(j, "test_acc");
    if (!isnan(test)) {
      r->test_step[r->ntest] = r->step[p];
      r->test_acc[r->ntest++] = test;
    }
    json_decref(j);
  }
  return allocated ? 0 : -1;
}

/* ---------------------------------------------------------------- CSV */

enum { CSV_MAX_COLS = 8 + 6 * MODEL_MAX_LAYERS + 8 };

/* Where the columns a chart uses stand in a CSV log (-1: not there). */
typedef struct {
  size_t ncols, layers;
  int step, loss, acc, test, flips;
  int layer_flips[MODEL_MAX_LAYERS], reversals[MODEL_MAX_LAYERS];
} CsvColumns;

/* Splits a CSV line in place into at most max cells. */
static size_t split_csv(char *line, char **cells, size_t max) {
  size_t n = 0;
  for (char *p = line; n < max;) {
    cells[n++] = p;
    char *comma = strchr(p, ',');
    if (!comma) break;
    *comma = 0;
    p = comma + 1;
  }
  return n;
}

/* A CSV cell's number; NAN when it is empty or not one. */
static double cell_number(const char *c) {
  if (!c || !*c) return NAN;
  char *end;
  double x = strtod(c, &end);
  return end == c ? NAN : x;
}

/* The columns named by the header line (split in place). */
static void csv_columns(char *header, CsvColumns *c) {
  char *cells[CSV_MAX_COLS];
  c->ncols = split_csv(header, cells, CSV_MAX_COLS);
  c->step = c->loss = c->acc = c->test = c->flips = -1;
  c->layers = 0;
  for (size_t l = 0; l < MODEL_MAX_LAYERS; l++) c->layer_flips[l] = c->reversals[l] = -1;
  for (size_t k = 0; k < c->ncols; k++) {
    const char *h = cells[k];
    size_t l;
    int used;
    if (!strcmp(h, "step")) c->step = (int)k;
    else if (!strcmp(h, "loss")) c->loss = (int)k;
    else if (!strcmp(h, "train_acc")) c->acc = (int)k;
    else if (!strcmp(h, "test_acc")) c->test = (int)k;
    else if (!strcmp(h, "flips")) c->flips = (int)k;
    else if (sscanf(h, "flips_l%zu%n", &l, &used) == 1 && !h[used] && l < MODEL_MAX_LAYERS) {
      c->layer_flips[l] = (int)k;
      if (l + 1 > c->layers) c->layers = l + 1;
    } else if (sscanf(h, "reversals_l%zu%n", &l, &used) == 1 && !h[used] && l < MODEL_MAX_LAYERS)
      c->reversals[l] = (int)k;
  }
}

/* The number in column `col` of a row (NAN without that column). */
static double csv_cell(char **cells, int col) { return col >= 0 ? cell_number(cells[col]) : NAN; }

/* Adds one row to the sums of the point being filled (r->n), and its test
 * accuracy, if any, to the evaluated steps. */
static void csv_add_row(LogRun *r, const CsvColumns *c, char **cells) {
  size_t p = r->n, width = r->ncols_flips;
  double step = cell_number(cells[c->step]);
  r->step[p] += step;
  r->loss[p] += cell_number(cells[c->loss]);
  r->acc[p] += csv_cell(cells, c->acc);
  r->flips[p * width] += cell_number(cells[c->flips]);
  for (size_t l = 0; l < c->layers; l++) {
    r->flips[p * width + 1 + l] += csv_cell(cells, c->layer_flips[l]);
    r->reversals[p * width + 1 + l] += csv_cell(cells, c->reversals[l]);
  }
  double test = csv_cell(cells, c->test);
  if (!isnan(test)) {
    r->test_step[r->ntest] = step;
    r->test_acc[r->ntest++] = test;
  }
}

/* Point p, the sums of `rows` rows, becomes their means. */
static void bucket_mean(LogRun *r, size_t p, size_t rows) {
  double k = (double)rows;
  size_t width = r->ncols_flips;
  r->step[p] /= k;
  r->loss[p] /= k;
  r->acc[p] /= k;
  for (size_t c = 0; c < width; c++) {
    r->flips[p * width + c] /= k;
    r->reversals[p * width + c] /= k;
  }
}

/* The loss, accuracy and flip series of a CSV log: a point per row, or the
 * means of buckets of rows when there are more than LOG_READ_MAX_POINTS. */
static int read_csv(LogRun *r, LogText *f, const char *path, char *err, size_t errlen) {
  char *buf, *cells[CSV_MAX_COLS];
  if (!(buf = text_line(f))) {
    snprintf(err, errlen, "%s: empty file", path);
    return -1;
  }
  CsvColumns c;
  csv_columns(buf, &c);
  if (c.step < 0 || c.loss < 0 || c.flips < 0) {
    snprintf(err, errlen, "%s: not a flipscope --log CSV (no step, loss or flips column)", path);
    return -1;
  }
  size_t rows = 0;
  while ((buf = text_line(f))) rows += buf[0] != 0;
  size_t bucket = rows > LOG_READ_MAX_POINTS ? (rows + LOG_READ_MAX_POINTS - 1) / LOG_READ_MAX_POINTS : 1;
  size_t npts = (rows + bucket - 1) / bucket;
  r->csv_layers = c.layers;
  r->ncols_flips = c.layers + 1;
  r->have_reversals = c.layers && c.reversals[0] >= 0;
  if (alloc_series(r, npts, rows, r->ncols_flips)) {
    out_of_memory(path, err, errlen);
    return -1;
  }
  text_rewind(f);
  text_line(f);
  size_t in_bucket = 0, line_no = 1;
  while ((buf = text_line(f))) {
    line_no++;
    if (!buf[0]) continue;
    size_t n = split_csv(buf, cells, CSV_MAX_COLS);
    if (n != c.ncols && f->partial) {
      note_partial(r, path, line_no);
      break;
    }
    if (n != c.ncols) {
      snprintf(err, errlen, "%s:%zu: %zu cells, the header has %zu", path, line_no, n, c.ncols);
      return -1;
    }
    csv_add_row(r, &c, cells);
    if (++in_bucket == bucket) {
      bucket_mean(r, r->n++, in_bucket);
      in_bucket = 0;
    }
  }
  if (in_bucket) bucket_mean(r, r->n++, in_bucket);
  return 0;
}

/* ---------------------------------------------------------------- the run */

int log_read_run(const char *csv, const char *jsonl, LogRun *r, char *err, size_t errlen) {
  LogText jt = {0}, ct = {0};
  int rc = -1;
  memset(r, 0, sizeof *r);
  if (jsonl && (text_load(&jt, jsonl, err, errlen) || read_jsonl(r, &jt, jsonl, err, errlen)))
    goto done;
  if (csv && (text_load(&ct, csv, err, errlen) || read_csv(r, &ct, csv, err, errlen))) goto done;
  if (!csv && jsonl && series_from_jsonl(r, &jt)) {
    out_of_memory(jsonl, err, errlen);
    goto done;
  }
  rc = 0;
done:
  text_free(&jt);
  text_free(&ct);
  return rc;
}

int log_read_jsonl_text(const char *text, size_t len, const char *path, LogRun *r, char *err,
                        size_t errlen) {
  LogText t = {0};
  int rc = -1;
  memset(r, 0, sizeof *r);
  if (!(t.text = malloc(len + 1))) {
    out_of_memory(path, err, errlen);
    return -1;
  }
  memcpy(t.text, text, len);
  t.len = len;
  t.at = t.text;
  if (read_jsonl(r, &t, path, err, errlen) == 0) {
    rc = series_from_jsonl(r, &t);
    if (rc) out_of_memory(path, err, errlen);
  }
  text_free(&t);
  return rc;
}

void log_run_free(LogRun *r) {
  json_decref(r->header);
  for (size_t i = 0; i < r->nrec; i++) free(r->rec[i].layer);
  free(r->rec);
  for (size_t i = 0; i < r->nev; i++) json_decref(r->ev[i].settings);
  free(r->ev);
  free(r->step);
  free(r->loss);
  free(r->acc);
  free(r->flips);
  free(r->reversals);
  free(r->test_step);
  free(r->test_acc);
  log_trace_free(&r->trace);
  memset(r, 0, sizeof *r);
}
