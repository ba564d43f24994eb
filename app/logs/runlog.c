/* runlog.c — the run's CSV and JSONL logs and parameter-change events
 * (runlog.h; schemas in docs/logs.md). */
#include "app/logs/runlog.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/io/json.h"
#include "app/io/make_dirs.h"
#include "engine/augment.h"
#include "engine/settings.h"

/* The optimizer's settings as the header's "opt" object: every setting of
 * engine/settings.h with an option of its own (reals, then flags), then the
 * IIR list in use. */
static void write_opt(FILE *f, const OptConfig *o) {
  fprintf(f, "{\"opt\":");
  json_write_string(f, optim_ops(o->kind)->name);
  size_t n;
  const OptSetting *table = settings_table(&n);
  for (int flags = 0; flags < 2; flags++)
    for (size_t i = 0; i < n; i++) {
      const OptSetting *t = &table[i];
      if (t->element || (t->type == SETTING_FLAG) != flags) continue;
      fprintf(f, ",\"%s\":", t->name);
      if (flags) fprintf(f, "%s", setting_get(t, o) ? "true" : "false");
      else json_write_number(f, setting_get(t, o), 17);
    }
  if (o->iir_biquad) {
    fprintf(f, ",\"iir\":\"%.17g,%.17g,%.17g,%.17g,%.17g\"", o->iir_coef[0], o->iir_coef[1],
            o->iir_coef[2], o->iir_coef[3], o->iir_coef[4]);
  } else if (o->iir_sections > 0) {
    fprintf(f, ",\"poles\":\"");
    for (int i = 0; i < o->iir_sections && i < OPT_MAX_SECTIONS; i++)
      fprintf(f, "%s%.17g", i ? "," : "", o->iir_poles[i]);
    fputc('"', f);
  }
  fputc('}', f);
}

/* The header's "trace" list: the traced weights, in the order of every
 * trace record's "weights". */
static void write_trace_list(FILE *f, const TraceSnapshot *t) {
  fprintf(f, ",\"trace\":[");
  for (size_t k = 0; k < t->n; k++)
    fprintf(f, "%s{\"layer\":%u,\"index\":%u}", k ? "," : "", t->ref[k].layer, t->ref[k].index);
  fputc(']', f);
}

static void write_header(FILE *f, const RunLog *rl, const RunLogSource *src) {
  const Config *cfg = src->cfg;
  const TelemetrySnapshot *snap = telemetry_last(rl->tel);
  const TelemetryConfig *tc = src->tel_settings;
  char model[256];
  model_spec_format(&cfg->model, model, sizeof model);
  fprintf(f, "{\"type\":\"header\",\"schema\":%d,\"title\":", RUNLOG_JSONL_SCHEMA);
  json_write_string(f, rl->paths.title);
  fprintf(f, ",\"data\":");
  json_write_string(f, src->data);
  fprintf(f, ",\"model\":");
  json_write_string(f, model);
  if (cfg->model.real_first) fprintf(f, ",\"real_first\":true");
  if (cfg->model.real_last) fprintf(f, ",\"real_last\":true");
  if (cfg->model.ste != STE_HARDTANH) fprintf(f, ",\"ste\":\"%s\"", ste_names[cfg->model.ste]);
  if (cfg->model.scale != SCALE_NONE)
    fprintf(f, ",\"scale\":\"%s\"", scale_names[cfg->model.scale]);
  fprintf(f, ",\"batch\":%zu,\"seed\":%llu,\"total_steps\":%zu,\"steps_per_epoch\":%zu,\"epochs\":%zu",
          cfg->train.batch, (unsigned long long)cfg->train.seed,
          trainer_total_steps(src->trainer), trainer_steps_per_epoch(src->trainer),
          trainer_epochs(src->trainer));
  if (cfg->train.augment) fprintf(f, ",\"augment\":\"%s\"", augment_name(cfg->train.augment));
  fprintf(f, ",\"base_rate\":");
  json_write_number(f, optim_base_rate(&cfg->opt), 17);
  fprintf(f, ",\"opt\":");
  write_opt(f, &cfg->opt);
  fprintf(f, ",\"telemetry\":{\"every\":%u,\"reversal_window\":%u,\"hist\":\"%s\",\"hist_bins\":%d,"
             "\"log_lo\":%g,\"log_hi\":%g,\"near_zero_rel\":%.6g,\"percentiles\":[",
          tc->every, tc->reversal_window, tc->hist == TEL_HIST_LOG ? "log" : "linear",
          TEL_HIST_BINS, TEL_LOG_LO, TEL_LOG_HI, tc->near_zero_rel);
  for (int p = 0; p < TEL_PERCENTILES; p++)
    fprintf(f, "%s%g", p ? "," : "", tel_percentile_ranks[p]);
  fprintf(f, "],\"age_buckets\":%d},\"layers\":[", TEL_AGE_BUCKETS);
  for (size_t l = 0; l < snap->layers; l++) {
    const TelemetryLayer *L = &snap->layer[l];
    fprintf(f, "%s{\"in\":%zu,\"out\":%zu,\"weights\":%zu,\"sample_index\":[", l ? "," : "", L->in,
            L->out, L->weights);
    for (unsigned i = 0; i < L->samples; i++) fprintf(f, "%s%u", i ? "," : "", L->sample_index[i]);
    fprintf(f, "]}");
  }
  fputc(']', f);
  if (rl->trace) write_trace_list(f, rl->trace);
  fputc('}', f);
}

static void write_record(RunLog *rl, const StepReport *r, const TelemetrySnapshot *t) {
  FILE *f = rl->jsonl;
  fprintf(f, "{\"type\":\"step\",\"step\":%llu,\"epoch\":%zu,\"rate\":", (unsigned long long)r->step,
          r->epoch);
  json_write_number(f, r->rate, 6);
  fprintf(f, ",\"loss\":");
  json_write_number(f, r->loss, 6);
  fprintf(f, ",\"train_acc\":");
  json_write_number(f, r->train_acc, 4);
  fprintf(f, ",\"test_acc\":");
  json_write_number(f, r->test_acc, 4);
  fprintf(f, ",\"flips\":%zu,\"layers\":[", r->flips);
  for (size_t l = 0; l < t->layers; l++) {
    const TelemetryLayer *L = &t->layer[l];
    fprintf(f, "%s{\"flips\":%zu,\"flip_ratio\":%.6g,\"reversals\":%zu,\"never_flipped\":%.6g,"
               "\"stats_count\":%zu,\"near_zero\":%.6g,\"near_zero_band\":",
            l ? "," : "", L->flips, L->flip_ratio, L->reversals, L->never_flipped, L->stats_count,
            L->near_zero);
    json_write_number(f, L->near_zero_band, 6);
    fprintf(f, ",\"abs_median\":");
    json_write_number(f, L->abs_median, 6);
    fprintf(f, ",\"pct\":[");
    for (int p = 0; p < TEL_PERCENTILES; p++) {
      if (p) fputc(',', f);
      json_write_number(f, L->pct[p], 6);
    }
    fprintf(f, "],\"hist_lo\":");
    json_write_number(f, L->hist_lo, 6);
    fprintf(f, ",\"hist_hi\":");
    json_write_number(f, L->hist_hi, 6);
    fprintf(f, ",\"hist\":[");
    for (int b = 0; b < TEL_HIST_BINS; b++) fprintf(f, "%s%u", b ? "," : "", L->hist[b]);
    fprintf(f, "],\"age\":[");
    for (int b = 0; b < TEL_AGE_BUCKETS; b++) fprintf(f, "%s%u", b ? "," : "", L->age[b]);
    fprintf(f, "],\"sign\":\"");
    for (unsigned i = 0; i < L->samples; i++) fputc(L->sample_sign[i] > 0 ? '+' : '-', f);
    fprintf(f, "\",\"inertia\":[");
    for (unsigned i = 0; i < L->samples; i++) {
      if (i) fputc(',', f);
      json_write_number(f, L->sample_inertia[i], 6);
    }
    fputc(']', f);
    if (L->channels) {
      fprintf(f, ",\"channel_flips\":[");
      for (size_t c = 0; c < L->channels; c++) fprintf(f, "%s%u", c ? "," : "", L->channel_flips[c]);
      fputc(']', f);
    }
    fputc('}', f);
  }
  fprintf(f, "]}\n");
  rl->last_record = r->step;
}

/* The trace record of step t->step: the optimizer, its flip threshold and,
 * per traced weight, gradient, sign, filter-unit value and optimizer states
 * (docs/logs.md). */
static void write_trace(FILE *f, const TraceSnapshot *t) {
  fprintf(f, "{\"type\":\"trace\",\"step\":%llu,\"opt\":\"%s\",\"threshold\":",
          (unsigned long long)t->step, optim_ops(t->kind)->name);
  json_write_number(f, t->threshold, 9);
  fprintf(f, ",\"weights\":[");
  for (size_t k = 0; k < t->n; k++) {
    fprintf(f, "%s{\"g\":", k ? "," : "");
    json_write_number(f, t->grad[k], 9);
    fprintf(f, ",\"b\":%d,\"y\":", t->sign[k]);
    json_write_number(f, t->filter[k], 9);
    for (int s = 0; s < t->states; s++) {
      fprintf(f, ",\"%s\":", trace_state_name(t->kind, s));
      json_write_number(f, t->state[k][s], 9);
    }
    fputc('}', f);
  }
  fprintf(f, "]}\n");
}

/* The log paths and the title from cfg (--export DIR supplies the logs that
 * are not named, and is created here). */
static int set_paths(RunLogPaths *p, const Config *cfg, const char *data, char *err, size_t errlen) {
  snprintf(p->export_dir, sizeof p->export_dir, "%s", cfg->export_dir);
  snprintf(p->csv, sizeof p->csv, "%s", cfg->log_path);
  snprintf(p->jsonl, sizeof p->jsonl, "%s", cfg->jsonl_path);
  if (cfg->title[0]) {
    snprintf(p->title, sizeof p->title, "%s", cfg->title);
  } else {
    char model[256];
    model_spec_describe(&cfg->model, model, sizeof model);
    snprintf(p->title, sizeof p->title, "%s  %s  %s", data, model, optim_ops(cfg->opt.kind)->name);
  }
  if (!p->export_dir[0]) return 0;
  if (make_dirs(p->export_dir)) {
    snprintf(err, errlen, "--export: cannot create directory %s: %s", p->export_dir,
             strerror(errno));
    return -1;
  }
  if (!p->csv[0]) snprintf(p->csv, sizeof p->csv, "%s/log.csv", p->export_dir);
  if (!p->jsonl[0]) snprintf(p->jsonl, sizeof p->jsonl, "%s/log.jsonl", p->export_dir);
  return 0;
}

/* The CSV and JSONL header lines of this run (malloc'd, without newline;
 * left NULL for a log the run does not write). 0, or -1 when out of memory. */
static int render_headers(RunLog *rl, const RunLogSource *src, char *header[2]) {
  for (int k = 0; k < 2; k++) {
    if (!(k == 0 ? rl->paths.csv : rl->paths.jsonl)[0]) continue;
    size_t len;
    FILE *ms = open_memstream(&header[k], &len);
    if (!ms) return -1;
    if (k == 0) csvlog_header(&rl->csv, ms);
    else write_header(ms, rl, src);
    if (fclose(ms) != 0) return -1;
  }
  return 0;
}

/* One of the run's two logs, as open_files goes through them. */
typedef struct {
  const char *path, *flag;
  LogFormat format;
  const LogMark *mark; /* where the checkpoint left it; NULL: a new log */
  FILE **f;
  const char *header;  /* NULL: the run does not write this log */
} LogFile;

/* Opens (or, with `f` NULL, only checks) the log l of a run resumed at step,
 * or a new one, and writes its header into a new file. 0, or -1 with err. */
static int open_file(const LogFile *l, uint64_t step, FILE **f, char *err, size_t errlen) {
  if (l->mark && log_continue(l->path, l->format, l->flag, l->mark, step, l->header, f, err, errlen))
    return -1;
  if (!f) return 0;
  if (!*f && !(*f = fopen(l->path, "w"))) {
    snprintf(err, errlen, "%s: cannot write %s: %s", l->flag, l->path, strerror(errno));
    return -1;
  }
  if (ftello(*f) == 0 && (fprintf(*f, "%s\n", l->header) < 0 || fflush(*f) != 0)) {
    /* a full device says so before training */
    snprintf(err, errlen, "%s %s: cannot write: %s", l->flag, l->path, strerror(errno));
    return -1;
  }
  return 0;
}

/* Opens the run's logs. A resumed run continues the logs its checkpoint
 * marked (app/logs/resume.h), after checking both, so that a refusal leaves
 * every log as it was; any other log starts anew. */
static int open_files(RunLog *rl, const RunLogSource *src, char *err, size_t errlen) {
  char *header[2] = {NULL, NULL};
  if (render_headers(rl, src, header)) {
    free(header[0]);
    free(header[1]);
    snprintf(err, errlen, "--log: out of memory");
    return -1;
  }
  const RunFigures *fig = src->resumed;
  const LogFile logs[2] = {
      {rl->paths.csv, "--log", LOG_CSV, fig ? &fig->csv : NULL, &rl->csv.f, header[0]},
      {rl->paths.jsonl, "--log-jsonl", LOG_JSONL, fig ? &fig->jsonl : NULL, &rl->jsonl, header[1]}};
  int rc = 0;
  for (int pass = 0; rc == 0 && pass < 2; pass++) /* check both, then open both */
    for (int k = 0; rc == 0 && k < 2; k++)
      if (logs[k].header && open_file(&logs[k], src->resumed_step, pass ? logs[k].f : NULL, err, errlen))
        rc = -1;
  free(header[0]);
  free(header[1]);
  return rc;
}

int runlog_open(RunLog *rl, const RunLogSource *src, char *err, size_t errlen) {
  memset(rl, 0, sizeof *rl);
  rl->tel = src->tel;
  rl->trace = src->trace;
  int rc = set_paths(&rl->paths, src->cfg, src->data, err, errlen);
  if (rc == 0 && rl->paths.jsonl[0] && !rl->tel) {
    snprintf(err, errlen, "--log-jsonl: needs the telemetry (remove --telemetry=false)");
    rc = -1;
  }
  if (rc == 0) {
    csvlog_init(&rl->csv, NULL, trainer_model(src->trainer), rl->tel != NULL);
    rc = open_files(rl, src, err, errlen);
  }
  if (rc) {
    runlog_close(rl, NULL, 0);
    memset(rl, 0, sizeof *rl); /* names no logs, so no charts are drawn from them */
  }
  return rc;
}

int runlog_mark(RunLog *rl, LogMark *csv, LogMark *jsonl, char *err, size_t errlen) {
  return log_mark_take(rl->csv.f, rl->paths.csv, "--log", csv, err, errlen) ||
                 log_mark_take(rl->jsonl, rl->paths.jsonl, "--log-jsonl", jsonl, err, errlen)
             ? -1
             : 0;
}

/* After a write to the log f (at path, named by flag) failed: closes it and
 * says so in err. */
static int drop_broken_log(FILE **f, const char *flag, const char *path, char *err, size_t errlen) {
  int e = errno;
  fclose(*f);
  *f = NULL;
  snprintf(err, errlen, "%s %s: writing failed: %s", flag, path, strerror(e ? e : EIO));
  return -1;
}

int runlog_step(RunLog *rl, const StepReport *r, const TelemetrySnapshot *t, char *err,
                size_t errlen) {
  if (!rl->tel || (t && t->step != r->step)) t = NULL;
  errno = 0;
  if (rl->csv.f) {
    csvlog_row(&rl->csv, r, t);
    if (ferror(rl->csv.f)) return drop_broken_log(&rl->csv.f, "--log", rl->paths.csv, err, errlen);
  }
  if (rl->jsonl && t && t->stats_fresh) {
    write_record(rl, r, t);
    if (ferror(rl->jsonl))
      return drop_broken_log(&rl->jsonl, "--log-jsonl", rl->paths.jsonl, err, errlen);
  }
  if (rl->jsonl && rl->trace && rl->trace->step == r->step) {
    write_trace(rl->jsonl, rl->trace);
    if (ferror(rl->jsonl))
      return drop_broken_log(&rl->jsonl, "--log-jsonl", rl->paths.jsonl, err, errlen);
  }
  return 0;
}

void runlog_param_change(RunLog *rl, uint64_t step, const char *param, double old_value,
                         double new_value, const char *text) {
  if (!rl->jsonl) return;
  fprintf(rl->jsonl, "{\"type\":\"param_change\",\"step\":%llu,\"param\":", (unsigned long long)step);
  json_write_string(rl->jsonl, param);
  fprintf(rl->jsonl, ",\"old\":");
  json_write_number(rl->jsonl, old_value, 9);
  fprintf(rl->jsonl, ",\"new\":");
  json_write_number(rl->jsonl, new_value, 9);
  if (text) {
    fprintf(rl->jsonl, ",\"text\":");
    json_write_string(rl->jsonl, text);
  }
  fprintf(rl->jsonl, "}\n");
  fflush(rl->jsonl);
}

void runlog_opt_switch(RunLog *rl, uint64_t step, const OptConfig *from, const OptConfig *to,
                       int exact, const char *text) {
  if (!rl->jsonl) return;
  fprintf(rl->jsonl, "{\"type\":\"param_change\",\"step\":%llu,\"param\":\"opt\",\"old\":%d,"
          "\"new\":%d,\"from\":", (unsigned long long)step, (int)from->kind, (int)to->kind);
  json_write_string(rl->jsonl, optim_ops(from->kind)->name);
  fprintf(rl->jsonl, ",\"to\":");
  json_write_string(rl->jsonl, optim_ops(to->kind)->name);
  fprintf(rl->jsonl, ",\"settings\":");
  write_opt(rl->jsonl, to);
  fprintf(rl->jsonl, ",\"exact\":%s,\"text\":", exact ? "true" : "false");
  json_write_string(rl->jsonl, text);
  fprintf(rl->jsonl, "}\n");
  fflush(rl->jsonl);
}

int runlog_flush(RunLog *rl) {
  if (!rl->csv.f) return -1;
  fflush(rl->csv.f);
  if (rl->jsonl) fflush(rl->jsonl);
  return 0;
}

int runlog_close(RunLog *rl, char *err, size_t errlen) {
  char buf[512];
  if (!err) {
    err = buf;
    errlen = sizeof buf;
  }
  int rc = 0;
  if (rl->csv.f && csvlog_close(&rl->csv, rl->paths.csv, err, errlen)) rc = -1;
  if (rl->jsonl) {
    int bad = ferror(rl->jsonl);
    bad |= fclose(rl->jsonl) != 0;
    rl->jsonl = NULL;
    if (bad && rc == 0) {
      snprintf(err, errlen, "--log-jsonl: writing %s failed: %s", rl->paths.jsonl, strerror(errno));
      rc = -1;
    }
  }
  return rc;
}
