/* export.c — a run's charts from its logs (export.h): read, then draw. */
#include "app/charts/export.h"

#include "app/charts/charts.h"
#include "app/logs/log_read.h"

int export_charts(const char *csv, const char *jsonl, const char *dir, const ExportOptions *o,
                  char *err, size_t errlen) {
  LogRun r;
  int rc = log_read_run(csv, jsonl, &r, err, errlen);
  if (rc == 0) rc = charts_write(&r, dir, o ? o->title : NULL, o ? o->stop : NULL, err, errlen);
  log_run_free(&r);
  return rc;
}
