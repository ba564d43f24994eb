/* export.h — a run's charts (app/charts/charts.h) from its CSV and JSONL
 * logs (app/logs/log_read.h), in one call. */
#ifndef FLIPSCOPE_EXPORT_H
#define FLIPSCOPE_EXPORT_H

#include <stddef.h>

typedef struct {
  const char *title; /* NULL: the JSONL header's title */
  int (*stop)(void); /* NULL, or polled while charts render: nonzero ends the export */
} ExportOptions;

/* Writes the charts of a run into dir (made, with its parents, once the logs
 * were read, so a bad log leaves nothing behind) from csv and/or
 * jsonl (either may be NULL; charts that need the other are skipped). Renders
 * them when gnuplot is found, else warns on stderr. Returns 0; 1 when some
 * charts failed to render (warnings on stderr, err says how many); or -1 with
 * one line in err (a file that cannot be read or written, a malformed log, or
 * an export that o->stop ended, saying how many charts were rendered). */
int export_charts(const char *csv, const char *jsonl, const char *dir, const ExportOptions *o,
                  char *err, size_t errlen);

#endif
