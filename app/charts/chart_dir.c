/* chart_dir.c — writing a run's chart files and rendering its scripts (chart_dir.h). */
#include "app/charts/chart_dir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/charts/gnuplot.h"

FILE *chart_dir_open(ChartDir *o, const char *name) {
  if (o->failed) return NULL;
  FILE *f = gp_create(o->dir, name, o->err, o->errlen);
  if (!f) o->failed = 1;
  return f;
}

void chart_dir_close(ChartDir *o, FILE *f, const char *name) {
  if (f && gp_close(f, name, o->err, o->errlen)) o->failed = 1;
}

void chart_dir_number(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, " %.6g", x);
  else fputs(" NaN", f);
}

void chart_dir_note(ChartDir *o, const char *note) {
  size_t used = strlen(o->notes);
  snprintf(o->notes + used, sizeof o->notes - used, "%s%s", used ? "; " : "", note);
}

void chart_dir_add_script(ChartDir *o, const char *name) {
  if (o->failed || o->nscripts >= sizeof o->scripts / sizeof *o->scripts) return;
  o->scripts[o->nscripts] = strdup(name);
  if (o->scripts[o->nscripts]) o->nscripts++;
}

int chart_dir_render(ChartDir *o, int (*stop)(void)) {
  char gnuplot[1024];
  if (!gp_find_or_warn(gnuplot, sizeof gnuplot, o->dir,
                       "install gnuplot, then run each .gp script there"))
    return 0;
  int failures = 0;
  for (size_t i = 0; i < o->nscripts; i++) {
    char gerr[512];
    int got = gp_run(gnuplot, o->dir, o->scripts[i], stop, gerr, sizeof gerr);
    if (got == -2) {
      snprintf(o->err, o->errlen, "--export: interrupted: rendered %zu of %zu charts in %s",
               i - (size_t)failures, o->nscripts, o->dir);
      return -1;
    }
    if (got) {
      fprintf(stderr, "flipscope: warning: %s\n", gerr);
      failures++;
    }
  }
  if (!failures) return 0;
  snprintf(o->err, o->errlen, "%d of %zu charts were not rendered", failures, o->nscripts);
  return 1;
}

void chart_dir_free(ChartDir *o) {
  for (size_t i = 0; i < o->nscripts; i++) free((void *)o->scripts[i]);
  o->nscripts = 0;
}
