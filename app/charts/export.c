/* export.c — the charts of a run (export.h): read the logs, write gnuplot
 * data and scripts, render them. */
#include "app/charts/export.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli/config.h"
#include "app/logs/export_jsonl.h"
#include "app/charts/gnuplot.h"
#include "app/io/json.h"
#include "app/io/make_dirs.h"
#include "datasets/input_file.h"
#include "engine/filter.h"
#include "engine/model.h"
#include "engine/telemetry.h"

enum {
  MAX_RECORDS = 2048,   /* JSONL step records kept (halved by decimation beyond) */
  MAX_POINTS = 4000,    /* CSV rows kept (bucket means beyond) */
  MAX_COLUMNS = 600,    /* time columns of the image charts */
  BODE_POINTS = 400
};

typedef struct {
  float pct[TEL_PERCENTILES];
  float abs_median, near_zero;
  float hist[TEL_HIST_BINS]; /* shares of the subsample */
  unsigned samples;
  int8_t sign[TEL_MAX_SAMPLES];
} RecLayer;

typedef struct {
  double step, rate;
  RecLayer *layer;
} Record;

typedef struct {
  double step, new_value;
  char param[64];
  char text[160];
} Event;

typedef struct {
  /* JSONL */
  json_t *header;
  size_t layers;
  int hist_linear;
  Record *rec;
  size_t nrec;
  Event *ev;
  size_t nev, evcap;
  /* CSV (or the JSONL records when there is no CSV) */
  size_t n, ncols_flips; /* points; flip series: total + per layer (+ reversals per layer) */
  double *step, *loss, *acc, *flips, *reversals; /* flips: n x (layers + 1) */
  int have_reversals;
  size_t ntest;
  double *test_step, *test_acc;
  size_t csv_layers;
  const char *title;
  char note[256]; /* what the reading left out, for the user */
} Run;

static void run_free(Run *r) {
  json_decref(r->header);
  for (size_t i = 0; i < r->nrec; i++) free(r->rec[i].layer);
  free(r->rec);
  free(r->ev);
  free(r->step);
  free(r->loss);
  free(r->acc);
  free(r->flips);
  free(r->reversals);
  free(r->test_step);
  free(r->test_acc);
}

/* ---------------------------------------------------------------- reading */

/* A log read whole into memory (at most EXPORT_LOG_MAX_BYTES, whatever the
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

static int log_load(LogText *t, const char *path, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  if (input_read(path, EXPORT_LOG_MAX_BYTES, &t->text, &t->len, err, errlen)) return -1;
  t->at = t->text;
  return 0;
}

static void log_free(LogText *t) {
  free(t->text);
  free(t->line);
  memset(t, 0, sizeof *t);
}

static void log_rewind(LogText *t) { t->at = t->text; }

/* The next line (NUL-terminated, without "\r\n"), or NULL at the end. */
static char *read_line(LogText *t) {
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
static void note_partial(Run *r, const char *path, size_t line_no) {
  snprintf(r->note, sizeof r->note, "left out the unfinished last line %zu of %.180s", line_no, path);
}

static int record_from_json(Run *r, const json_t *j, Record *out) {
  const json_t *layers = json_object_get(j, "layers");
  if (!json_is_array(layers) || json_array_size(layers) != r->layers) return -1;
  out->step = json_get_number(j, "step");
  out->rate = json_get_number(j, "rate");
  out->layer = calloc(r->layers, sizeof *out->layer);
  if (!out->layer) return -1;
  for (size_t l = 0; l < r->layers; l++) {
    const json_t *L = json_array_get(layers, l);
    RecLayer *o = &out->layer[l];
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


static int is_step_line(const char *line) {
  const char *t = strstr(line, "\"type\":");
  return t && t - line < 16 && !strncmp(t + 7, "\"step\"", 6);
}

/* Allocates a run's series: `points` plotted steps of loss, accuracy and
 * `width` flip columns, and up to `tests` evaluated steps. 0, or -1 when
 * memory ran out (what was allocated is freed with the run). */
static int alloc_series(Run *r, size_t points, size_t tests, size_t width) {
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

static int read_jsonl(Run *r, LogText *f, const char *path, char *err, size_t errlen) {
  char *buf;
  size_t steps = 0;
  while ((buf = read_line(f))) steps += is_step_line(buf);
  log_rewind(f);
  size_t keep_every = steps > MAX_RECORDS ? (steps + MAX_RECORDS - 1) / MAX_RECORDS : 1;
  r->rec = calloc(MAX_RECORDS + 2, sizeof *r->rec);
  int rc = r->rec ? 0 : -1;
  size_t line_no = 0, index = 0;
  while (rc == 0 && (buf = read_line(f))) {
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
      rc = -1;
      break;
    }
    const char *type = json_get_string(j, "type");
    if (type && !strcmp(type, "header") && !r->header) {
      const json_t *layers = json_object_get(j, "layers");
      const char *hist = json_get_string(json_object_get(j, "telemetry"), "hist");
      r->layers = json_array_size(layers);
      if (r->layers > MODEL_MAX_LAYERS) r->layers = MODEL_MAX_LAYERS;
      r->hist_linear = hist && !strcmp(hist, "linear");
      r->header = j;
      continue;
    }
    if (type && !strcmp(type, "step")) {
      if (!r->header) {
        snprintf(err, errlen, "%s:%zu: a step record before the header", path, line_no);
        rc = -1;
      } else if (r->nrec < MAX_RECORDS + 2 && record_from_json(r, j, &r->rec[r->nrec]) == 0) {
        r->nrec++;
      } else if (r->nrec < MAX_RECORDS + 2) {
        snprintf(err, errlen, "%s:%zu: the step record's layers do not match the header", path,
                 line_no);
        rc = -1;
      }
    } else if (type && !strcmp(type, "param_change")) {
      if (r->nev == r->evcap) {
        size_t ncap = r->evcap ? 2 * r->evcap : 16;
        Event *ev = realloc(r->ev, ncap * sizeof *ev);
        if (!ev) rc = -1;
        else r->ev = ev, r->evcap = ncap;
      }
      if (rc == 0) {
        Event *e = &r->ev[r->nev++];
        const char *param = json_get_string(j, "param"), *text = json_get_string(j, "text");
        e->step = json_get_number(j, "step");
        e->new_value = json_get_number(j, "new");
        snprintf(e->param, sizeof e->param, "%s", param ? param : "");
        if (text)
          snprintf(e->text, sizeof e->text, "%s", text);
        else
          snprintf(e->text, sizeof e->text, "%s %.4g -> %.4g", e->param, json_get_number(j, "old"),
                   json_get_number(j, "new"));
      }
    }
    json_decref(j);
  }
  if (rc == 0 && !r->header) {
    snprintf(err, errlen, "%s: no header record (is it a flipscope --log-jsonl file?)", path);
    rc = -1;
  }
  return rc;
}

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

static double cell_number(const char *c) {
  if (!c || !*c) return NAN;
  char *end;
  double x = strtod(c, &end);
  return end == c ? NAN : x;
}

enum { CSV_MAX_COLS = 8 + 6 * MODEL_MAX_LAYERS + 8 };

static int read_csv(Run *r, LogText *f, const char *path, char *err, size_t errlen) {
  char *buf, *cells[CSV_MAX_COLS];
  size_t rows = 0;
  if (!(buf = read_line(f))) {
    snprintf(err, errlen, "%s: empty file", path);
    return -1;
  }
  size_t ncols = split_csv(buf, cells, CSV_MAX_COLS);
  int c_step = -1, c_loss = -1, c_acc = -1, c_test = -1, c_flips = -1;
  int c_lf[MODEL_MAX_LAYERS], c_rev[MODEL_MAX_LAYERS];
  size_t layers = 0;
  for (size_t l = 0; l < MODEL_MAX_LAYERS; l++) c_lf[l] = c_rev[l] = -1;
  for (size_t c = 0; c < ncols; c++) {
    const char *h = cells[c];
    size_t l;
    int used;
    if (!strcmp(h, "step")) c_step = (int)c;
    else if (!strcmp(h, "loss")) c_loss = (int)c;
    else if (!strcmp(h, "train_acc")) c_acc = (int)c;
    else if (!strcmp(h, "test_acc")) c_test = (int)c;
    else if (!strcmp(h, "flips")) c_flips = (int)c;
    else if (sscanf(h, "flips_l%zu%n", &l, &used) == 1 && !h[used] && l < MODEL_MAX_LAYERS) {
      c_lf[l] = (int)c;
      if (l + 1 > layers) layers = l + 1;
    } else if (sscanf(h, "reversals_l%zu%n", &l, &used) == 1 && !h[used] && l < MODEL_MAX_LAYERS)
      c_rev[l] = (int)c;
  }
  if (c_step < 0 || c_loss < 0 || c_flips < 0) {
    snprintf(err, errlen, "%s: not a flipscope --log CSV (no step, loss or flips column)", path);
    return -1;
  }
  while ((buf = read_line(f))) rows += buf[0] != 0;
  size_t bucket = rows > MAX_POINTS ? (rows + MAX_POINTS - 1) / MAX_POINTS : 1;
  size_t npts = (rows + bucket - 1) / bucket, width = layers + 1;
  r->csv_layers = layers;
  r->ncols_flips = width;
  r->have_reversals = layers && c_rev[0] >= 0;
  if (alloc_series(r, npts, rows, width)) {
    snprintf(err, errlen, "out of memory reading %s", path);
    return -1;
  }
  log_rewind(f);
  read_line(f);
  size_t in_bucket = 0, line_no = 1;
  while ((buf = read_line(f))) {
    line_no++;
    if (!buf[0]) continue;
    size_t n = split_csv(buf, cells, CSV_MAX_COLS);
    if (n != ncols && f->partial) {
      note_partial(r, path, line_no);
      break;
    }
    if (n != ncols) {
      snprintf(err, errlen, "%s:%zu: %zu cells, the header has %zu", path, line_no, n, ncols);
      return -1;
    }
    double step = cell_number(cells[c_step]);
    size_t p = r->n;
    r->step[p] += step;
    r->loss[p] += cell_number(cells[c_loss]);
    r->acc[p] += c_acc >= 0 ? cell_number(cells[c_acc]) : NAN;
    r->flips[p * width] += cell_number(cells[c_flips]);
    for (size_t l = 0; l < layers; l++) {
      r->flips[p * width + 1 + l] += c_lf[l] >= 0 ? cell_number(cells[c_lf[l]]) : NAN;
      r->reversals[p * width + 1 + l] += c_rev[l] >= 0 ? cell_number(cells[c_rev[l]]) : NAN;
    }
    double test = c_test >= 0 ? cell_number(cells[c_test]) : NAN;
    if (!isnan(test)) {
      r->test_step[r->ntest] = step;
      r->test_acc[r->ntest++] = test;
    }
    if (++in_bucket == bucket) {
      double k = (double)in_bucket;
      r->step[p] /= k;
      r->loss[p] /= k;
      r->acc[p] /= k;
      for (size_t c = 0; c < width; c++) {
        r->flips[p * width + c] /= k;
        r->reversals[p * width + c] /= k;
      }
      r->n++;
      in_bucket = 0;
    }
  }
  if (in_bucket) {
    double k = (double)in_bucket;
    size_t p = r->n++;
    r->step[p] /= k;
    r->loss[p] /= k;
    r->acc[p] /= k;
    for (size_t c = 0; c < width; c++) {
      r->flips[p * width + c] /= k;
      r->reversals[p * width + c] /= k;
    }
  }
  return 0;
}

/* Loss, accuracy and flips from the JSONL step records when there is no CSV. */
static int series_from_jsonl(Run *r, LogText *f) {
  char *buf;
  size_t rows = 0;
  log_rewind(f);
  while ((buf = read_line(f))) rows += is_step_line(buf);
  size_t width = r->layers + 1;
  r->csv_layers = r->layers;
  r->ncols_flips = width;
  r->have_reversals = r->layers > 0;
  int allocated = alloc_series(r, rows, rows, width) == 0;
  log_rewind(f);
  while (allocated && (buf = read_line(f))) {
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

int export_read_jsonl(const char *text, size_t len, const char *path, ExportJsonl *out, char *err,
                      size_t errlen) {
  Run r = {0};
  LogText t = {0};
  int rc = -1;
  memset(out, 0, sizeof *out);
  if (!(t.text = malloc(len + 1))) {
    snprintf(err, errlen, "out of memory reading %s", path);
    return -1;
  }
  memcpy(t.text, text, len);
  t.len = len;
  t.at = t.text;
  if (read_jsonl(&r, &t, path, err, errlen) == 0) {
    rc = series_from_jsonl(&r, &t);
    if (rc) snprintf(err, errlen, "out of memory reading %s", path);
    *out = (ExportJsonl){r.layers, r.nrec, r.nev, r.n};
  }
  run_free(&r);
  log_free(&t);
  return rc;
}

/* ---------------------------------------------------------------- writing */

typedef struct {
  const char *dir;
  char *err;
  size_t errlen;
  int failed;
  const char *scripts[64];
  size_t nscripts;
  char notes[512];
} Out;

static FILE *out_open(Out *o, const char *name) {
  if (o->failed) return NULL;
  FILE *f = gp_create(o->dir, name, o->err, o->errlen);
  if (!f) o->failed = 1;
  return f;
}

static void out_close(Out *o, FILE *f, const char *name) {
  if (f && gp_close(f, name, o->err, o->errlen)) o->failed = 1;
}

static void num(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, " %.6g", x);
  else fputs(" NaN", f);
}

static void add_note(Out *o, const char *note) {
  size_t used = strlen(o->notes);
  snprintf(o->notes + used, sizeof o->notes - used, "%s%s", used ? "; " : "", note);
}

/* The image charts' time grid: column c shows the last record at or before x_c. */
typedef struct {
  size_t cols;
  double x0, dx;
  size_t *rec; /* record index per column */
} Grid;

static int make_grid(const Run *r, Grid *g) {
  g->cols = r->nrec < MAX_COLUMNS ? r->nrec : MAX_COLUMNS;
  g->rec = calloc(g->cols ? g->cols : 1, sizeof *g->rec);
  if (!g->rec || g->cols < 2) return -1;
  double s0 = r->rec[0].step, s1 = r->rec[r->nrec - 1].step;
  g->x0 = s0;
  g->dx = (s1 - s0) / (double)(g->cols - 1);
  if (!(g->dx > 0)) g->dx = 1;
  size_t k = 0;
  for (size_t c = 0; c < g->cols; c++) {
    double x = s0 + (double)c * g->dx + 1e-9 * g->dx;
    while (k + 1 < r->nrec && r->rec[k + 1].step <= x) k++;
    g->rec[c] = k;
  }
  return 0;
}

static void write_data(Out *o, Run *r, const Grid *g) {
  FILE *f;
  char name[64];
  if (r->n) {
    if ((f = out_open(o, "loss.dat"))) {
      fprintf(f, "# step loss train_acc\n");
      for (size_t i = 0; i < r->n; i++) {
        num(f, r->step[i]);
        num(f, r->loss[i]);
        num(f, r->acc[i]);
        fputc('\n', f);
      }
      out_close(o, f, "loss.dat");
    }
    if ((f = out_open(o, "test.dat"))) {
      fprintf(f, "# step test_acc\n");
      for (size_t i = 0; i < r->ntest; i++) {
        num(f, r->test_step[i]);
        num(f, r->test_acc[i]);
        fputc('\n', f);
      }
      out_close(o, f, "test.dat");
    }
    if ((f = out_open(o, "flips.dat"))) {
      size_t w = r->ncols_flips;
      fprintf(f, "# step flips");
      for (size_t l = 0; l < r->csv_layers; l++) fprintf(f, " flips_l%zu", l);
      for (size_t l = 0; l < r->csv_layers; l++) fprintf(f, " reversals_l%zu", l);
      fputc('\n', f);
      for (size_t i = 0; i < r->n; i++) {
        num(f, r->step[i]);
        for (size_t c = 0; c < w; c++) num(f, r->flips[i * w + c]);
        for (size_t l = 0; l < r->csv_layers; l++) num(f, r->reversals[i * w + 1 + l]);
        fputc('\n', f);
      }
      out_close(o, f, "flips.dat");
    }
  }
  for (size_t l = 0; l < r->layers && r->nrec; l++) {
    snprintf(name, sizeof name, "fan_l%zu.dat", l);
    if ((f = out_open(o, name))) {
      fprintf(f, "# step p0 p7 p16 p31 p50 p69 p84 p93 p100 abs_median near_zero\n");
      for (size_t i = 0; i < r->nrec; i++) {
        const RecLayer *L = &r->rec[i].layer[l];
        num(f, r->rec[i].step);
        for (int p = 0; p < TEL_PERCENTILES; p++) num(f, L->pct[p]);
        num(f, L->abs_median);
        num(f, L->near_zero);
        fputc('\n', f);
      }
      out_close(o, f, name);
    }
    if (!g->rec || g->cols < 2) continue;
    snprintf(name, sizeof name, "heat_l%zu.dat", l);
    if ((f = out_open(o, name))) { /* matrix: row = bin, column = time */
      for (int b = 0; b < TEL_HIST_BINS; b++) {
        for (size_t c = 0; c < g->cols; c++)
          fprintf(f, "%s%.5g", c ? " " : "", r->rec[g->rec[c]].layer[l].hist[b]);
        fputc('\n', f);
      }
      out_close(o, f, name);
    }
    unsigned samples = TEL_MAX_SAMPLES;
    for (size_t c = 0; c < g->cols; c++)
      if (r->rec[g->rec[c]].layer[l].samples < samples) samples = r->rec[g->rec[c]].layer[l].samples;
    if (samples < 2) continue;
    snprintf(name, sizeof name, "raster_l%zu.dat", l);
    if ((f = out_open(o, name))) { /* matrix: row = sampled weight, column = time */
      for (unsigned s = 0; s < samples; s++) {
        for (size_t c = 0; c < g->cols; c++)
          fprintf(f, "%s%d", c ? " " : "", r->rec[g->rec[c]].layer[l].sign[s]);
        fputc('\n', f);
      }
      out_close(o, f, name);
    }
  }
}

/* ---------------------------------------------------------------- the filter */

typedef struct {
  int ok;              /* a linear, stable filter: the response is in bode.dat */
  double cutoff, cutoff_end;
  int two;             /* a second curve: the filter at the end of the run */
  char what[200], what_end[200], note[400];
} Bode;

/* Rebuilds the optimizer's OptConfig from the header's "opt" object (option
 * names and values), then `extra` option settings (--name=value) after it. */
static int opt_from_header(json_t *opt, char extra[][96], size_t n_extra, OptConfig *out) {
  if (!json_is_object(opt)) return -1;
  size_t argc = 0;
  char **argv = calloc(json_object_size(opt) + n_extra + 1, sizeof *argv);
  int rc = argv ? 0 : -1;
  const char *key;
  json_t *v;
  json_object_foreach(opt, key, v) {
    if (rc) break;
    if (!config_option_is_optimizer(key)) continue; /* never a path (config, load, ...) */
    char value[256];
    if (json_is_string(v)) snprintf(value, sizeof value, "%s", json_string_value(v));
    else if (json_is_boolean(v)) snprintf(value, sizeof value, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_number(v)) snprintf(value, sizeof value, "%.17g", json_number_value(v));
    else continue;
    size_t len = strlen(key) + strlen(value) + 4;
    argv[argc] = malloc(len);
    if (!argv[argc]) rc = -1;
    else snprintf(argv[argc++], len, "--%s=%s", key, value);
  }
  for (size_t i = 0; rc == 0 && i < n_extra; i++) {
    argv[argc] = strdup(extra[i]);
    if (!argv[argc]) rc = -1;
    else argc++;
  }
  if (rc == 0) {
    Config *cfg = malloc(sizeof *cfg);
    char err[256];
    rc = cfg && config_parse((int)argc, argv, cfg, err, sizeof err) == 0 ? 0 : -1;
    if (rc == 0) *out = cfg->opt;
    free(cfg);
  }
  for (size_t i = 0; argv && i < argc; i++) free(argv[i]);
  free(argv);
  return rc;
}

static void describe(const Filter *f, const OptConfig *c, char *buf, size_t len) {
  const char *name = optim_ops(c->kind)->name;
  if (isfinite(f->alpha) && isfinite(f->gamma))
    snprintf(buf, len, "%s: alpha %.3g, gamma %.3g", name, f->alpha, f->gamma);
  else
    snprintf(buf, len, "%s: order %d", name, f->order);
}

static void set_rate(OptConfig *c, double rate) {
  switch (c->kind) {
  case OPT_CEMA: c->alpha = rate; break;
  case OPT_BOP:
  case OPT_BOP2: c->gamma = rate; break;
  case OPT_IIR: break;
  default: c->lr = rate; break;
  }
}

static void write_bode(Out *o, Run *r, Bode *b) {
  memset(b, 0, sizeof *b);
  OptConfig start, end;
  if (!r->header || opt_from_header(json_object_get(r->header, "opt"), NULL, 0, &start)) {
    snprintf(b->note, sizeof b->note, "no optimizer settings in the log");
    return;
  }
  /* The end of the run: the parameter changes applied, then the last scheduled rate. */
  static char extra[64][96];
  size_t n_extra = 0;
  for (size_t i = 0; i < r->nev && n_extra < 64; i++) {
    double v = r->ev[i].new_value;
    if (config_option_numeric(r->ev[i].param) > 0 && isfinite(v))
      snprintf(extra[n_extra++], sizeof extra[0], "--%s=%.17g", r->ev[i].param, v);
    else if (!strcmp(r->ev[i].param, "opt") && v >= 0 && v < OPT_KIND_COUNT && optim_ops((OptKind)v))
      snprintf(extra[n_extra++], sizeof extra[0], "--opt=%s", optim_ops((OptKind)v)->name);
  }
  if (opt_from_header(json_object_get(r->header, "opt"), extra, n_extra, &end)) end = start;
  Filter f, fe;
  char ferr[256];
  if (filter_from_config(&start, &f, ferr, sizeof ferr)) {
    snprintf(b->note, sizeof b->note, "%s", ferr);
    return;
  }
  describe(&f, &start, b->what, sizeof b->what);
  if (!f.linear || !f.stable) {
    snprintf(b->note, sizeof b->note, "%s: %s", optim_ops(start.kind)->name,
             f.note[0] ? f.note : !f.linear ? "no linear filter equivalent" : "unstable filter");
    return;
  }
  double last_rate = r->nrec ? r->rec[r->nrec - 1].rate : NAN;
  if (end.kind != OPT_IIR && isfinite(last_rate) && last_rate > 0) set_rate(&end, last_rate);
  if (memcmp(&end, &start, sizeof end) != 0 &&
      filter_from_config(&end, &fe, ferr, sizeof ferr) == 0 && fe.linear && fe.stable) {
    b->two = 1;
    describe(&fe, &end, b->what_end, sizeof b->what_end);
  }
  b->cutoff = filter_cutoff(&f);
  b->cutoff_end = b->two ? filter_cutoff(&fe) : NAN;
  double lowest = 1e-3;
  if (isfinite(b->cutoff) && b->cutoff > 0 && b->cutoff / 30 < lowest) lowest = b->cutoff / 30;
  if (isfinite(b->cutoff_end) && b->cutoff_end > 0 && b->cutoff_end / 30 < lowest)
    lowest = b->cutoff_end / 30;
  if (lowest < 1e-8) lowest = 1e-8;
  FILE *out = out_open(o, "bode.dat");
  if (!out) return;
  fprintf(out, "# w_rad_per_step mag_db phase_deg%s\n", b->two ? " mag_db_end phase_deg_end" : "");
  double prev = 0, prev_e = 0, unwrap = 0, unwrap_e = 0;
  for (int k = 0; k < BODE_POINTS; k++) {
    double w = lowest * pow(M_PI / lowest, (double)k / (BODE_POINTS - 1));
    if (k == BODE_POINTS - 1) w = M_PI * (1 - 1e-9);
    double mag, ph, mag_e = NAN, ph_e = NAN;
    filter_eval(&f, w, &mag, &ph);
    if (k && ph - prev > M_PI) unwrap -= 2 * M_PI;
    if (k && ph - prev < -M_PI) unwrap += 2 * M_PI;
    prev = ph;
    if (b->two) {
      filter_eval(&fe, w, &mag_e, &ph_e);
      if (k && ph_e - prev_e > M_PI) unwrap_e -= 2 * M_PI;
      if (k && ph_e - prev_e < -M_PI) unwrap_e += 2 * M_PI;
      prev_e = ph_e;
    }
    num(out, w);
    num(out, mag);
    num(out, (ph + unwrap) * 180 / M_PI);
    if (b->two) {
      num(out, mag_e);
      num(out, (ph_e + unwrap_e) * 180 / M_PI);
    }
    fputc('\n', out);
  }
  out_close(o, out, "bode.dat");
  b->ok = !o->failed;
}

/* ---------------------------------------------------------------- scripts */

static const char *const layer_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                           "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

/* Clears what one panel sets, so panels of a multiplot do not leak into each other. */
static void panel_reset(FILE *f) {
  fprintf(f, "unset logscale\nunset arrow\nunset label\nunset title\nunset y2tics\nunset y2label\n"
             "set ytics mirror\nunset colorbox\nunset cblabel\nset key default\nset autoscale\n"
             "set xlabel 'step'\nset ylabel ''\nset grid\nset xtics autofreq\nset ytics autofreq\n"
             "set format x '%%g'\nset format y '%%g'\n");
}

static void markers(FILE *f, const Run *r) {
  for (size_t i = 0; i < r->nev; i++) {
    if (!isfinite(r->ev[i].step)) continue;
    fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1 lc rgb '#777777' front\n",
            r->ev[i].step, r->ev[i].step);
    fprintf(f, "set label ");
    gp_quote(f, r->ev[i].text);
    fprintf(f, " at %.10g, graph 0.97 rotate by 90 right offset -0.6,0 font ',7' textcolor rgb '#555555' front noenhanced\n",
            r->ev[i].step);
  }
}

static void panel_title(FILE *f, const char *title) {
  fprintf(f, "set title ");
  gp_quote(f, title);
  fprintf(f, " noenhanced\n");
}

static void panel_loss(FILE *f, const Run *r) {
  panel_reset(f);
  markers(f, r);
  panel_title(f, "loss and accuracy");
  fprintf(f, "set ylabel 'loss'\nset y2label 'accuracy'\nset ytics nomirror\nset y2tics\n"
             "set y2range [0:1]\nset key bottom left opaque\n");
  fprintf(f, "plot 'loss.dat' using 1:2 with lines lw 1.5 lc rgb '#1f77b4' title 'loss', \\\n"
             "     '' using 1:3 axes x1y2 with lines lw 1 lc rgb '#ff7f0e' title 'train accuracy'");
  if (r->ntest)
    fprintf(f, ", \\\n     'test.dat' using 1:2 axes x1y2 with linespoints pt 7 ps 0.6 lw 1.5 "
               "lc rgb '#2ca02c' title 'test accuracy'");
  fputc('\n', f);
}

/* 1 when column c of the flip series has a positive value (log scale needs one). */
static int flips_positive(const Run *r, size_t c, int reversals) {
  const double *v = reversals ? r->reversals : r->flips;
  for (size_t i = 0; i < r->n; i++)
    if (v[i * r->ncols_flips + c] > 0) return 1;
  return 0;
}

static int flips_any(const Run *r) {
  for (size_t c = 0; c < r->ncols_flips; c++)
    if (flips_positive(r, c, 0)) return 1;
  return 0;
}

static void panel_flips(FILE *f, const Run *r) {
  panel_reset(f);
  markers(f, r);
  panel_title(f, "flips per step (reversals dashed)");
  fprintf(f, "set logscale y\nset ylabel 'weights flipped'\nset key top right opaque\n");
  const char *sep = "plot ";
  size_t L = r->csv_layers;
  for (size_t l = 0; l < L; l++) {
    if (!flips_positive(r, 1 + l, 0)) continue;
    fprintf(f, "%s'flips.dat' using 1:(column(%zu) > 0 ? column(%zu) : NaN) with lines lw 1.2 "
               "lc rgb '%s' title 'layer %zu'",
            sep, 3 + l, 3 + l, layer_colors[l % 8], l);
    sep = ", \\\n     ";
  }
  for (size_t l = 0; r->have_reversals && l < L; l++) {
    if (!flips_positive(r, 1 + l, 1)) continue;
    fprintf(f, "%s'flips.dat' using 1:(column(%zu) > 0 ? column(%zu) : NaN) with lines dt 2 lw 1 "
               "lc rgb '%s' notitle",
            sep, 3 + L + l, 3 + L + l, layer_colors[l % 8]);
    sep = ", \\\n     ";
  }
  fputc('\n', f);
}

static void panel_fan(FILE *f, const Run *r, size_t l) {
  panel_reset(f);
  markers(f, r);
  char t[96];
  snprintf(t, sizeof t, "layer %zu inertia: percentile bands", l);
  panel_title(f, t);
  fprintf(f, "set ylabel 'inertia'\nset key top left opaque font ',8'\nset format y '%%.2g'\n");
  fprintf(f, "plot 'fan_l%zu.dat' using 1:2:10 with filledcurves fc rgb '#deebf7' fs solid title 'min-max', \\\n"
             "     '' using 1:3:9 with filledcurves fc rgb '#9ecae1' fs solid title '7-93%%', \\\n"
             "     '' using 1:4:8 with filledcurves fc rgb '#6baed6' fs solid title '16-84%%', \\\n"
             "     '' using 1:5:7 with filledcurves fc rgb '#3182bd' fs solid title '31-69%%', \\\n"
             "     '' using 1:6 with lines lw 1.5 lc rgb '#08306b' title 'median', \\\n"
             "     0 with lines dt 3 lc rgb '#444444' notitle\n",
          l);
}

static void panel_heat(FILE *f, const Run *r, const Grid *g, size_t l) {
  panel_reset(f);
  markers(f, r);
  char t[96];
  snprintf(t, sizeof t, "layer %zu inertia histogram over time", l);
  panel_title(f, t);
  double y0 = r->hist_linear ? -1.0 : TEL_LOG_LO, y1 = r->hist_linear ? 1.0 : TEL_LOG_HI;
  double dy = (y1 - y0) / TEL_HIST_BINS;
  fprintf(f, "set ylabel '%s'\nset cblabel 'share of weights'\nset colorbox\nunset grid\n"
             "set palette defined (0 '#ffffff', 0.1 '#fee8c8', 0.3 '#fdbb84', 0.6 '#e34a33', 1 '#7f0000')\n"
             "set cbrange [0:*]\nset xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n",
          r->hist_linear ? "inertia / max |inertia|" : "log10 |inertia|", g->x0 - g->dx / 2,
          g->x0 + ((double)g->cols - 0.5) * g->dx, y0, y1);
  fprintf(f, "plot 'heat_l%zu.dat' matrix using (%.10g + $1 * %.10g):(%.10g + $2 * %.10g):3 "
             "with image notitle\n",
          l, g->x0, g->dx, y0 + dy / 2, dy);
}

static void panel_raster(FILE *f, const Run *r, const Grid *g, size_t l, unsigned samples) {
  panel_reset(f);
  markers(f, r);
  char t[96];
  snprintf(t, sizeof t, "layer %zu: signs of %u sampled weights (red +1, blue -1)", l, samples);
  panel_title(f, t);
  fprintf(f, "set ylabel 'sampled weight'\nunset grid\nset palette defined (-1 '#2166ac', 1 '#b2182b')\n"
             "set cbrange [-1:1]\nset xrange [%.10g:%.10g]\nset yrange [-0.5:%.1f]\n",
          g->x0 - g->dx / 2, g->x0 + ((double)g->cols - 0.5) * g->dx, (double)samples - 0.5);
  fprintf(f, "plot 'raster_l%zu.dat' matrix using (%.10g + $1 * %.10g):2:3 with image notitle\n", l,
          g->x0, g->dx);
}

static void cutoff_marker(FILE *f, double wc, const char *color, const char *what, double y) {
  if (!(isfinite(wc) && wc > 0)) return;
  fprintf(f, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.2 lc rgb '%s' front\n",
          wc, wc, color);
  char text[96];
  snprintf(text, sizeof text, "%s cut-off %.3g rad/step", what, wc);
  fprintf(f, "set label ");
  gp_quote(f, text);
  fprintf(f, " at %.10g, graph %.2f offset 0.5,0 font ',8' textcolor rgb '%s' front\n", wc, y, color);
}

static void panel_bode(FILE *f, const Bode *b, int phase) {
  panel_reset(f);
  fprintf(f, "set logscale x\nset xlabel 'frequency (rad/step)'\nset xrange [*:pi]\n"
             "set key bottom left opaque font ',8'\n");
  if (!b->ok) {
    panel_title(f, "filter frequency response");
    fprintf(f, "set xrange [1e-4:pi]\nset yrange [-60:5]\n");
    /* The note, up to its first ';', wrapped into lines of at most 60 bytes. */
    char note[400];
    snprintf(note, sizeof note, "%s", b->note[0] ? b->note : "no filter");
    note[strcspn(note, ";")] = 0;
    int line = 0;
    for (char *p = note; *p && line < 5; line++) {
      size_t len = strlen(p), cut = len;
      if (len > 60) {
        cut = 60;
        while (cut > 20 && p[cut] != ' ') cut--;
      }
      char save = p[cut];
      p[cut] = 0;
      fprintf(f, "set label %d ", line + 1);
      gp_quote(f, p);
      fprintf(f, " at graph 0.5, graph %.2f center noenhanced\n", 0.6 - 0.08 * line);
      p[cut] = save;
      p += cut;
      while (*p == ' ') p++;
    }
    fprintf(f, "plot 1/0 notitle\n");
    return;
  }
  /* Magnitude (column 2, end of run in 4) or phase (3, end in 5) of bode.dat. */
  panel_title(f, phase ? "filter frequency response: phase"
                       : "filter frequency response: magnitude (gradient to inertia)");
  fprintf(f, "set ylabel '%s'\n", phase ? "phase (degrees)" : "magnitude (dB)");
  cutoff_marker(f, b->cutoff, "#d62728", b->two ? "start" : "", 0.9);
  if (b->two) cutoff_marker(f, b->cutoff_end, "#9467bd", "end", 0.75);
  fprintf(f, "plot 'bode.dat' using 1:%d with lines lw 1.5 lc rgb '#1f77b4' title ", phase ? 3 : 2);
  gp_quote(f, b->what);
  if (b->two) {
    fprintf(f, ", \\\n     '' using 1:%d with lines lw 1.5 dt 2 lc rgb '#9467bd' title ", phase ? 5 : 4);
    char t[240];
    snprintf(t, sizeof t, "end of run: %s", b->what_end);
    gp_quote(f, phase ? "end of run" : t);
  }
  if (!phase) fprintf(f, ", \\\n     -3 with lines dt 3 lc rgb '#888888' title '-3 dB'");
  fputc('\n', f);
}

typedef enum { CH_LOSS, CH_FLIPS, CH_FAN, CH_HEAT, CH_RASTER, CH_BODE, CH_DASHBOARD } ChartKind;

typedef struct {
  const Run *r;
  const Grid *g;
  const Bode *b;
  unsigned samples[MODEL_MAX_LAYERS];
  int have_loss, have_flips, have_images;
} Charts;

static void chart_body(FILE *f, const Charts *c, ChartKind kind, size_t l) {
  const Run *r = c->r;
  switch (kind) {
  case CH_LOSS: panel_loss(f, r); break;
  case CH_FLIPS: panel_flips(f, r); break;
  case CH_FAN: panel_fan(f, r, l); break;
  case CH_HEAT: panel_heat(f, r, c->g, l); break;
  case CH_RASTER: panel_raster(f, r, c->g, l, c->samples[l]); break;
  case CH_BODE:
    fprintf(f, "set multiplot layout 2,1\n");
    panel_bode(f, c->b, 0);
    panel_bode(f, c->b, 1);
    fprintf(f, "unset multiplot\n");
    break;
  case CH_DASHBOARD:
    fprintf(f, "set multiplot layout 3,2 title ");
    gp_quote(f, r->title);
    fprintf(f, " noenhanced font ',11'\n");
    if (c->have_loss) panel_loss(f, r);
    else fprintf(f, "set multiplot next\n");
    if (c->have_flips) panel_flips(f, r);
    else fprintf(f, "set multiplot next\n");
    if (r->nrec >= 2) panel_fan(f, r, 0);
    else fprintf(f, "set multiplot next\n");
    if (c->have_images) panel_heat(f, r, c->g, 0);
    else fprintf(f, "set multiplot next\n");
    if (c->have_images && c->samples[0] >= 2) panel_raster(f, r, c->g, 0, c->samples[0]);
    else fprintf(f, "set multiplot next\n");
    panel_bode(f, c->b, 0);
    fprintf(f, "unset multiplot\n");
    break;
  }
}

static void write_script(Out *o, const Charts *c, const char *base, ChartKind kind, size_t l,
                         int width, int height) {
  char name[80];
  snprintf(name, sizeof name, "%s.gp", base);
  FILE *f = out_open(o, name);
  if (!f) return;
  fprintf(f, "# flipscope chart %s; rebuild %s.png and %s.svg with: gnuplot %s (in this directory)\n",
          base, base, base, name);
  for (int png = 1; png >= 0; png--) {
    int w = kind == CH_DASHBOARD ? 1500 : width, h = kind == CH_DASHBOARD ? 1300 : height;
    gp_terminal(f, base, png, w, h);
    chart_body(f, c, kind, l);
    fprintf(f, "unset output\n");
  }
  out_close(o, f, name);
  if (!o->failed && o->nscripts < sizeof o->scripts / sizeof *o->scripts) {
    o->scripts[o->nscripts] = strdup(name);
    if (o->scripts[o->nscripts]) o->nscripts++;
  }
}

int export_charts(const char *csv, const char *jsonl, const char *dir, const ExportOptions *eo,
                  char *err, size_t errlen) {
  Run r = {0};
  Out o = {.dir = dir, .err = err, .errlen = errlen};
  Grid g = {0};
  LogText jt = {0}, ct = {0};
  int rc = -1;
  if (jsonl && (log_load(&jt, jsonl, err, errlen) || read_jsonl(&r, &jt, jsonl, err, errlen)))
    goto done;
  if (csv && (log_load(&ct, csv, err, errlen) || read_csv(&r, &ct, csv, err, errlen))) goto done;
  if (!csv && jsonl) series_from_jsonl(&r, &jt);
  if (make_dirs(dir) != 0) { /* only once the logs have been read: a bad log makes nothing */
    snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
    goto done;
  }
  if (r.note[0]) add_note(&o, r.note);
  const char *title = eo && eo->title ? eo->title : json_get_string(r.header, "title");
  r.title = title ? title : "flipscope run";
  Charts c = {.r = &r, .g = &g};
  c.have_loss = r.n > 0;
  c.have_flips = r.n > 0 && flips_any(&r);
  c.have_images = r.nrec >= 2 && make_grid(&r, &g) == 0;
  for (size_t l = 0; l < r.layers && c.have_images; l++) {
    c.samples[l] = TEL_MAX_SAMPLES;
    for (size_t k = 0; k < g.cols; k++)
      if (r.rec[g.rec[k]].layer[l].samples < c.samples[l])
        c.samples[l] = r.rec[g.rec[k]].layer[l].samples;
  }
  write_data(&o, &r, &g);
  Bode b;
  write_bode(&o, &r, &b);
  c.b = &b;
  if (c.have_loss) write_script(&o, &c, "loss", CH_LOSS, 0, 1000, 600);
  if (c.have_flips) write_script(&o, &c, "flips", CH_FLIPS, 0, 1000, 600);
  else add_note(&o, "no flips: no flips chart");
  for (size_t l = 0; l < r.layers; l++) {
    char base[32];
    if (r.nrec >= 2) {
      snprintf(base, sizeof base, "fan_l%zu", l);
      write_script(&o, &c, base, CH_FAN, l, 1000, 600);
    }
    if (c.have_images) {
      snprintf(base, sizeof base, "heat_l%zu", l);
      write_script(&o, &c, base, CH_HEAT, l, 1000, 600);
      if (c.samples[l] >= 2) {
        snprintf(base, sizeof base, "raster_l%zu", l);
        write_script(&o, &c, base, CH_RASTER, l, 1000, 600);
      }
    }
  }
  if (!jsonl) add_note(&o, "no JSONL log: no inertia, raster or filter charts");
  else if (r.nrec < 2) add_note(&o, "fewer than 2 telemetry records: no inertia or raster charts");
  write_script(&o, &c, "bode", CH_BODE, 0, 1000, 800);
  write_script(&o, &c, "dashboard", CH_DASHBOARD, 0, 0, 0);
  if (o.failed) goto done;
  if (o.notes[0]) fprintf(stderr, "flipscope: export: %s\n", o.notes);
  char gnuplot[1024];
  if (!gp_find(gnuplot, sizeof gnuplot)) {
    fprintf(stderr, "flipscope: warning: gnuplot not found: wrote data and scripts to %s but did "
                    "not render the images (install gnuplot, then run each .gp script there)\n",
            dir);
  } else {
    int failures = 0;
    for (size_t i = 0; i < o.nscripts; i++) {
      char gerr[512];
      int got = gp_run(gnuplot, dir, o.scripts[i], eo ? eo->stop : NULL, gerr, sizeof gerr);
      if (got == -2) {
        snprintf(err, errlen, "--export: interrupted: rendered %zu of %zu charts in %s", i - (size_t)failures,
                 o.nscripts, dir);
        goto done;
      }
      if (got) {
        fprintf(stderr, "flipscope: warning: %s\n", gerr);
        failures++;
      }
    }
    if (failures) {
      snprintf(err, errlen, "%d of %zu charts were not rendered", failures, o.nscripts);
      rc = 1;
      goto done;
    }
  }
  rc = 0;
done:
  for (size_t i = 0; i < o.nscripts; i++) free((void *)o.scripts[i]);
  free(g.rec);
  run_free(&r);
  log_free(&jt);
  log_free(&ct);
  return rc;
}

/* ---------------------------------------------------------------- the subcommand */

static int has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* 1 when the file's first non-blank byte is '{' (a JSONL log), 0 if not, -1
 * with err set if it is unreadable or not a regular file. */
static int looks_jsonl(const char *path, char *err, size_t errlen) {
  struct stat st;
  int fd = input_open(path, &st, err, errlen);
  FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
  if (!f) {
    if (fd >= 0) snprintf(err, errlen, "%s: %s", path, strerror(errno)), close(fd);
    return -1;
  }
  int ch;
  while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
  }
  fclose(f);
  return ch == '{';
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int export_command(int argc, char **argv) {
  const char *title = NULL, *pos[3];
  int npos = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--title") || !strncmp(argv[i], "--title=", 8)) {
      if (argv[i][7] == '=') title = argv[i] + 8;
      else if (i + 1 < argc) title = argv[++i];
      else {
        fprintf(stderr, "flipscope: export: --title: missing value\n");
        return EXIT_USAGE;
      }
    } else if (!strcmp(argv[i], "--help")) {
      printf("usage: flipscope export [--title T] LOG [LOG2] DIR\n"
             "  LOG: a --log CSV or --log-jsonl file (the other one is looked for beside it),\n"
             "  or a directory holding log.csv and log.jsonl (an --export directory).\n"
             "  Writes gnuplot data, one .gp script per chart, and the PNG and SVG charts to DIR.\n");
      return EXIT_OK;
    } else if (!strncmp(argv[i], "--", 2) && npos == 0) {
      fprintf(stderr, "flipscope: export: unknown option '%s'\n", argv[i]);
      return EXIT_USAGE;
    } else if (npos < 3) {
      pos[npos++] = argv[i];
    } else {
      fprintf(stderr, "flipscope: export: too many arguments (usage: flipscope export LOG [LOG2] DIR)\n");
      return EXIT_USAGE;
    }
  }
  if (npos < 2) {
    fprintf(stderr, "flipscope: export: expected LOG [LOG2] DIR (see flipscope export --help)\n");
    return EXIT_USAGE;
  }
  const char *dir = pos[npos - 1];
  char csv[CONFIG_PATH_MAX + 32] = "", jsonl[CONFIG_PATH_MAX + 32] = "";
  for (int i = 0; i < npos - 1; i++) {
    const char *p = pos[i];
    if (strlen(p) >= CONFIG_PATH_MAX) {
      fprintf(stderr, "flipscope: export: path too long: %.60s...\n", p);
      return EXIT_USAGE;
    }
    if (is_dir(p)) {
      snprintf(csv, sizeof csv, "%s/log.csv", p);
      snprintf(jsonl, sizeof jsonl, "%s/log.jsonl", p);
      continue;
    }
    char err[CONFIG_PATH_MAX + 128];
    int j = looks_jsonl(p, err, sizeof err);
    if (j < 0) {
      fprintf(stderr, "flipscope: export: %s\n", err);
      return EXIT_RUNTIME;
    }
    snprintf(j ? jsonl : csv, sizeof csv, "%s", p);
  }
  /* One log given: look for the other beside it. */
  if (npos == 2 && !is_dir(pos[0])) {
    char *have = csv[0] ? csv : jsonl, *want = csv[0] ? jsonl : csv;
    const char *from = csv[0] ? ".csv" : ".jsonl", *to = csv[0] ? ".jsonl" : ".csv";
    if (has_suffix(have, from)) {
      snprintf(want, sizeof csv, "%.*s%s", (int)(strlen(have) - strlen(from)), have, to);
      char ignored[CONFIG_PATH_MAX + 128];
      if (access(want, R_OK) != 0 || looks_jsonl(want, ignored, sizeof ignored) != (want == jsonl))
        want[0] = 0;
    }
  }
  if (csv[0] && access(csv, R_OK) != 0) csv[0] = 0;
  if (jsonl[0] && access(jsonl, R_OK) != 0) jsonl[0] = 0;
  if (!csv[0] && !jsonl[0]) {
    fprintf(stderr, "flipscope: export: no log found in %s\n", pos[0]);
    return EXIT_RUNTIME;
  }
  char err[1024];
  ExportOptions eo = {.title = title};
  if (export_charts(csv[0] ? csv : NULL, jsonl[0] ? jsonl : NULL, dir, &eo, err, sizeof err) != 0) {
    fprintf(stderr, "flipscope: export: %s\n", err);
    return EXIT_RUNTIME;
  }
  fprintf(stderr, "flipscope: export: charts in %s\n", dir);
  return EXIT_OK;
}
