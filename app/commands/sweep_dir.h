/* sweep_dir.h — the sweep directory (--out DIR, default "sweep"):
 *   sweep.json         the manifest: axes, fixed options, points
 *   sweep.lock         flock()ed by the sweep using DIR, so that there is one at a time
 *   points/ID.json     a finished point's summary (written by --result, atomically)
 *   points/ID.err      its stderr (local runs)
 *   results.csv        one row per point; acc_heatmap.*, flips_heatmap.* the charts
 * Every function here reports its failure on stderr ("flipscope: sweep: ..."). */
#ifndef FLIPSCOPE_SWEEP_DIR_H
#define FLIPSCOPE_SWEEP_DIR_H

#include "app/commands/sweep_grid.h"

/* "a/bc", malloc'd (NULL when memory ran out). */
char *sweep_path(const char *a, const char *b, const char *c);
/* dir/points/ID plus suffix (".json"), malloc'd (NULL when memory ran out). */
char *sweep_point_file(const char *dir, const char *id, const char *suffix);
/* True when path is a non-empty regular file. */
int sweep_is_file(const char *path);
/* Makes s->out for a new or resumed sweep: locked, holding no sweep with
 * other fixed options, with points/ and the manifest written. Returns 0, or
 * the exit code. */
int sweep_dir_prepare(const Sweep *s);
/* Reads the manifest of dir into s (axes and fixed options) and locks dir,
 * for --collect. Returns 0, or -1. */
int sweep_dir_open(const char *dir, Sweep *s);

#endif
