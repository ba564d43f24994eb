/* runlog.h — everything a run records: turns the telemetry on when asked for,
 * writes the per-step CSV (--log) and the JSONL telemetry log (--log-jsonl),
 * records parameter changes, and renders the charts at the end (--export).
 * Schemas: docs/logs.md. Used by the headless runner and the TUI alike. */
#ifndef FLIPSCOPE_RUNLOG_H
#define FLIPSCOPE_RUNLOG_H

#include <stdio.h>

#include "app/cli/config.h"
#include "app/logs/csvlog.h"
#include "app/logs/resume.h"
#include "app/run/session.h"
#include "engine/telemetry.h"

#define RUNLOG_JSONL_SCHEMA 1

typedef struct {
  CsvLog csv;
  FILE *jsonl;
  Telemetry *tel;           /* the trainer's, NULL when telemetry is off */
  char csv_path[CONFIG_PATH_MAX + 16], jsonl_path[CONFIG_PATH_MAX + 16];
  char export_dir[CONFIG_PATH_MAX], title[CONFIG_PATH_MAX];
  uint64_t last_record;     /* step of the last JSONL step record */
} RunLog;

/* Turns telemetry on when cfg asks for it (--telemetry, or automatically
 * with --log, --log-jsonl or --export), creates the --export directory and
 * opens the logs (with --export and no --log / --log-jsonl, DIR/log.csv and
 * DIR/log.jsonl). Returns 0, or -1 with one line in err. */
int runlog_open(RunLog *rl, const Config *cfg, Session *s, char *err, size_t errlen);
/* runlog_open, except that when s was resumed (--load) the CSV and JSONL logs
 * its checkpoint marked keep their records up to and including its step and
 * the run's follow them, as if it had never stopped (app/logs/resume.h); a log
 * that cannot be continued is refused with one line and left as it was. */
int runlog_open_continuing(RunLog *rl, const Config *cfg, Session *s, char *err, size_t errlen);
/* Flushes and fsyncs both logs and marks where they stand, for a checkpoint
 * (app/logs/resume.h). 0, or -1 with a message. */
int runlog_mark(RunLog *rl, LogMark *csv, LogMark *jsonl, char *err, size_t errlen);
/* Records step r (after trainer_step returned 1): a CSV row every step, a
 * JSONL step record on every step with fresh statistics. A write that fails
 * (a full disk) returns -1 with one line naming the log, which is closed, so
 * the run can stop at once and still save (its checkpoint then marks only
 * the logs that are whole). */
int runlog_step(RunLog *rl, const StepReport *r, char *err, size_t errlen);
/* Records that parameter `param` (an option name: "alpha") changed from
 * old_value to new_value before `step`; charts mark it. text may be NULL. */
void runlog_param_change(RunLog *rl, uint64_t step, const char *param, double old_value,
                         double new_value, const char *text);
/* Closes the logs; with --export and ok, renders the charts (a warning, not
 * an error, when gnuplot is missing). Returns 0, or -1 with a message. */
int runlog_close(RunLog *rl, int ok, char *err, size_t errlen);

#endif
