/* export.h — gnuplot charts of a run, from its CSV and JSONL logs: data files,
 * one .gp script per chart that rebuilds it (`cd DIR && gnuplot NAME.gp`),
 * and the rendered NAME.png (pngcairo) and NAME.svg. Charts: loss (loss and
 * accuracy), flips (per layer, log scale, reversals dashed), fan_l<l>
 * (inertia percentile bands), heat_l<l> (inertia histogram over time),
 * raster_l<l> (signs of the sampled weights), bode (the optimizer's filter:
 * magnitude and phase, cut-off marked), dashboard (one page). Time charts mark
 * the steps where a parameter changed (JSONL param_change records). */
#ifndef FLIPSCOPE_EXPORT_H
#define FLIPSCOPE_EXPORT_H

#include <stddef.h>

/* The largest log export reads (a larger one is refused, naming the file). */
#define EXPORT_LOG_MAX_BYTES ((size_t)1 << 30)

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
 * an export that o->stop ended, saying how many charts were rendered).
 * Each log is read once, whole, so one still being written is read as it was
 * at that moment (its unfinished last line left out, with a note); only
 * regular files are read, and no path found inside a log is followed. */
int export_charts(const char *csv, const char *jsonl, const char *dir, const ExportOptions *o,
                  char *err, size_t errlen);

/* `flipscope export [--title T] LOG [LOG2] DIR`: LOG is a CSV or JSONL log
 * (the other one is looked for beside it, same name with the other
 * extension) or a directory with log.csv and log.jsonl. Returns the exit code. */
int export_command(int argc, char **argv);

#endif
