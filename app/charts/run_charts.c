/* run_charts.c — see run_charts.h. */
#include "app/charts/run_charts.h"

#include <stdio.h>

#include "app/charts/export.h"
#include "app/system/signals.h"

int run_charts_render(const RunLogPaths *p, char *err, size_t errlen) {
  if (!p->export_dir[0]) return 0;
  ExportOptions eo = {.title = p->title, .stop = signals_caught};
  int got = export_charts(p->csv[0] ? p->csv : NULL, p->jsonl[0] ? p->jsonl : NULL, p->export_dir,
                          &eo, err, errlen);
  if (got > 0) fprintf(stderr, "flipscope: warning: --export: %s\n", err);
  return got < 0 ? -1 : 0;
}
