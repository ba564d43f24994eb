/* sweep_grid.h — a sweep's grid: the swept options (axes) and their values,
 * the options fixed for every point, and the points, numbered in mixed
 * radix over the axes (the last varies fastest) and named by an ID such as
 * "alpha=0.001_gamma=0.1". */
#ifndef FLIPSCOPE_SWEEP_GRID_H
#define FLIPSCOPE_SWEEP_GRID_H

#include <stddef.h>

#include "app/cli/config.h"

enum {
  SWEEP_MAX_AXES = 8,
  SWEEP_MAX_VALUES = 1000,
  SWEEP_MAX_POINTS = 100000,
  SWEEP_MAX_FIXED = 256
};

/* The largest sweep.json or point result read (they are a few KB). */
#define SWEEP_MANIFEST_MAX ((size_t)16 << 20)

typedef struct {
  char name[64];
  int log_scale;                     /* the range was log-spaced (charts use a log-like index axis) */
  size_t n;
  char value[SWEEP_MAX_VALUES][32];  /* as passed on the command line */
} SweepAxis;

typedef struct {
  char out[CONFIG_PATH_MAX];         /* the sweep directory */
  int jobs, emit, point_logs, threads_given;
  SweepAxis axis[SWEEP_MAX_AXES];
  size_t n_axes;
  char *fixed[SWEEP_MAX_FIXED];      /* fixed options, as argv words */
  size_t n_fixed;
  size_t points;
} Sweep;

/* Is this option value a sweep axis? Ranges and lists of numbers, lists of optimizers. */
int sweep_is_axis(const char *name, const char *value);
/* Reads option name's value, a range LO:HI:log|lin:N (rounded when integer)
 * or a list V1,V2,..., into a. Returns 0, or -1 with one line in err. */
int sweep_axis_parse(const char *name, const char *value, int integer, SweepAxis *a, char *err,
                     size_t errlen);
/* Sets s->points, the product of the axes' sizes. Returns 0, or -1 when
 * there are more than SWEEP_MAX_POINTS. */
int sweep_count_points(Sweep *s);
/* The value index of point i on each axis. */
void sweep_point_values(const Sweep *s, size_t i, size_t *idx);
/* The ID of the point with value indices idx. */
void sweep_point_id(const Sweep *s, const size_t *idx, char *buf, size_t len);
/* Checks every value of every axis before any point runs: the fixed options
 * with each value in turn (and the other axes at their first), as the points
 * will see them, and the data set. Returns 0, or -1 with one line in err
 * naming the key and value. */
int sweep_check_points(const Sweep *s, char *err, size_t errlen);
/* Releases the fixed options. */
void sweep_free(Sweep *s);

#endif
