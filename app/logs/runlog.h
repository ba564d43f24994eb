/* runlog.h — the logs a run writes: the per-step CSV (--log) and the JSONL
 * telemetry log (--log-jsonl), with the parameter changes; a resumed run
 * continues them (app/logs/resume.h). Schemas: docs/logs.md. The session
 * (app/run/session.h) opens them for the headless runner and the live view
 * alike and calls them as one of its sinks; the charts of --export are drawn
 * from them after they were closed (app/charts/run_charts.h). */
#ifndef FLIPSCOPE_RUNLOG_H
#define FLIPSCOPE_RUNLOG_H

#include <stdio.h>

#include "app/cli/config.h"
#include "app/logs/csvlog.h"
#include "app/logs/resume.h"
#include "engine/telemetry.h"
#include "engine/trainer.h"

#define RUNLOG_JSONL_SCHEMA 1

/* What a run's logs are opened from. */
typedef struct {
  const Config *cfg;    /* --log, --log-jsonl, --export, --title; model, optimizer, batch, seed */
  const char *data;     /* the data set's name (for the title and the JSONL header) */
  Trainer *trainer;     /* its model and step counts (for the headers) */
  Telemetry *tel;       /* the telemetry the logs record; NULL: none (no such CSV columns, no JSONL) */
  const TelemetryConfig *tel_settings; /* the settings the JSONL header records */
  const RunFigures *resumed; /* a resumed run: where its checkpoint's logs stood; NULL: new logs */
  uint64_t resumed_step;
  const TraceSnapshot *trace; /* --trace-weights, updated each step; NULL: none */
} RunLogSource;

/* Where the logs are, and what the charts drawn from them are called. */
typedef struct {
  char csv[CONFIG_PATH_MAX + 16], jsonl[CONFIG_PATH_MAX + 16]; /* "": not written */
  char export_dir[CONFIG_PATH_MAX], title[CONFIG_PATH_MAX];   /* --export DIR ("": none) */
} RunLogPaths;

typedef struct {
  CsvLog csv;
  FILE *jsonl;
  Telemetry *tel;           /* the telemetry recorded, NULL when none */
  const TraceSnapshot *trace; /* the traced weights recorded, NULL when none */
  RunLogPaths paths;
  uint64_t last_record;     /* step of the last JSONL step record */
} RunLog;

/* Creates the --export directory and opens the logs (with --export and no
 * --log / --log-jsonl, DIR/log.csv and DIR/log.jsonl). A resumed run keeps
 * the records of the logs its checkpoint marked up to and including its step
 * and the run's follow them, as if it had never stopped; a log that cannot be
 * continued is refused with one line and left as it was. Returns 0, or -1
 * with one line in err (rl is left empty then: no paths, nothing open). */
int runlog_open(RunLog *rl, const RunLogSource *src, char *err, size_t errlen);
/* Flushes and fsyncs both logs and marks where they stand, for a checkpoint
 * (app/logs/resume.h). 0, or -1 with a message. */
int runlog_mark(RunLog *rl, LogMark *csv, LogMark *jsonl, char *err, size_t errlen);
/* Records step r (after trainer_step returned 1; t: the telemetry snapshot of
 * that step, or NULL): a CSV row every step, a JSONL step record on every
 * step with fresh statistics, and with traced weights a JSONL trace record
 * every step. A write that fails (a full disk) returns -1
 * with one line naming the log, which is closed, so the run can stop at once
 * and still save (its checkpoint then marks only the logs that are whole). */
int runlog_step(RunLog *rl, const StepReport *r, const TelemetrySnapshot *t, char *err,
                size_t errlen);
/* Records that parameter `param` (an option name: "alpha") changed from
 * old_value to new_value before `step`; charts mark it. text may be NULL. */
/* Records that the optimizer switched from `from` to `to` before `step`:
 * a param_change of "opt" that names both and holds the new settings
 * (docs/logs.md). */
void runlog_opt_switch(RunLog *rl, uint64_t step, const OptConfig *from, const OptConfig *to,
                       int exact, const char *text);
void runlog_param_change(RunLog *rl, uint64_t step, const char *param, double old_value,
                         double new_value, const char *text);
/* Flushes both logs, for a reader while the run goes on (the live view's
 * export). Returns 0, or -1 when the CSV log is not open. */
int runlog_flush(RunLog *rl);
/* Closes the logs (rl->paths stays). Returns 0, or -1 with a message. */
int runlog_close(RunLog *rl, char *err, size_t errlen);

#endif
