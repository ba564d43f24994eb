/* chart_dir.h — the directory a run's charts are written to: its data files
 * and scripts (the first failure to write one is kept and ends the writing),
 * the scripts to render, and the notes for the user on what was left out. */
#ifndef FLIPSCOPE_CHART_DIR_H
#define FLIPSCOPE_CHART_DIR_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  const char *dir;
  char *err; /* where the failure's one line goes */
  size_t errlen;
  int failed;
  const char *scripts[64]; /* the .gp scripts written, to render */
  size_t nscripts;
  char notes[512];
} ChartDir;

/* Opens dir/name for writing; NULL once a write failed (this one or one before). */
FILE *chart_dir_open(ChartDir *o, const char *name);
/* Closes f (NULL: nothing), marking the directory failed when a write failed. */
void chart_dir_close(ChartDir *o, FILE *f, const char *name);
/* Writes x as one cell of a data file row: " %.6g", or " NaN" when not finite. */
void chart_dir_number(FILE *f, double x);
/* Adds a note ("; " between notes). */
void chart_dir_note(ChartDir *o, const char *note);
/* Adds script `name` (written without failure) to the scripts to render. */
void chart_dir_add_script(ChartDir *o, const char *name);
/* Renders every script with gnuplot, in the order written, polling stop (may
 * be NULL) while each runs; warns on stderr when there is no gnuplot or a
 * script fails. Returns 0; 1 when some failed (err says how many); -1 when
 * stop said to stop (err says how many were rendered). */
int chart_dir_render(ChartDir *o, int (*stop)(void));
/* Releases the list of scripts. */
void chart_dir_free(ChartDir *o);

#endif
