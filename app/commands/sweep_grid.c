/* sweep_grid.c — the axes, points and checks of a sweep (sweep_grid.h). */
#include "app/commands/sweep_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/load.h"

/* A range LO:HI:SCALE:N, as sscanf reads it (4 when it is one). */
static int scan_range(const char *value, double *lo, double *hi, char scale[8], int *n, int *used) {
  *used = 0;
  return sscanf(value, "%lf:%lf:%7[a-z]:%d%n", lo, hi, scale, n, used);
}

int sweep_is_axis(const char *name, const char *value) {
  int numeric = config_option_numeric(name);
  double lo, hi;
  int n, used;
  char scale[8];
  if (numeric > 0 && scan_range(value, &lo, &hi, scale, &n, &used) == 4) return 1;
  if ((numeric > 0 || !strcmp(name, "opt")) && strchr(value, ',')) return 1;
  return 0;
}

/* The n values of a range from lo to hi, log- or linearly spaced. */
static int range_values(const char *name, const char *value, double lo, double hi,
                        const char *scale, int n, int integer, SweepAxis *a, char *err,
                        size_t errlen) {
  int log_scale = !strcmp(scale, "log");
  if (!log_scale && strcmp(scale, "lin")) {
    snprintf(err, errlen, "--%s: scale '%s' is not log or lin", name, scale);
    return -1;
  }
  if (n < 1 || n > SWEEP_MAX_VALUES || !isfinite(lo) || !isfinite(hi) ||
      (log_scale && (lo <= 0 || hi <= 0))) {
    snprintf(err, errlen, "--%s: '%s': need 1..%d points%s", name, value, SWEEP_MAX_VALUES,
             log_scale ? " and positive ends for log" : "");
    return -1;
  }
  a->log_scale = log_scale;
  for (int k = 0; k < n; k++) {
    double t = n == 1 ? 0 : (double)k / (n - 1);
    double x = log_scale ? lo * pow(hi / lo, t) : lo + (hi - lo) * t;
    if (integer) x = round(x);
    char buf[32];
    snprintf(buf, sizeof buf, integer ? "%.0f" : "%.6g", x);
    if (a->n && !strcmp(a->value[a->n - 1], buf)) continue; /* rounded together */
    snprintf(a->value[a->n++], sizeof a->value[0], "%s", buf);
  }
  return 0;
}

/* The values of a list v1,v2,... */
static int list_values(const char *name, const char *value, SweepAxis *a, char *err, size_t errlen) {
  for (const char *p = value; *p;) {
    size_t len = strcspn(p, ",");
    if (len == 0 || len >= sizeof a->value[0] || a->n == SWEEP_MAX_VALUES) {
      snprintf(err, errlen, "--%s: bad list '%s' (values separated by commas)", name, value);
      return -1;
    }
    memcpy(a->value[a->n], p, len);
    a->value[a->n][len] = 0;
    /* Values become file names and shell words: keep them plain. */
    for (size_t i = 0; i < len; i++)
      if (!strchr("0123456789.+-eEabcdefghijklmnopqrstuvwxyz", a->value[a->n][i])) {
        snprintf(err, errlen, "--%s: value '%s' has characters other than [0-9a-z.+-]", name,
                 a->value[a->n]);
        return -1;
      }
    a->n++;
    p += len;
    if (*p == ',') p++;
  }
  return 0;
}

int sweep_axis_parse(const char *name, const char *value, int integer, SweepAxis *a, char *err,
                     size_t errlen) {
  memset(a, 0, sizeof *a);
  snprintf(a->name, sizeof a->name, "%s", name);
  char scale[8];
  double lo, hi;
  int n, used;
  if (scan_range(value, &lo, &hi, scale, &n, &used) == 4 && !value[used])
    return range_values(name, value, lo, hi, scale, n, integer, a, err, errlen);
  return list_values(name, value, a, err, errlen);
}

int sweep_count_points(Sweep *s) {
  s->points = 1;
  for (size_t a = 0; a < s->n_axes; a++) {
    if (s->points * s->axis[a].n > SWEEP_MAX_POINTS) return -1;
    s->points *= s->axis[a].n;
  }
  return 0;
}

void sweep_point_values(const Sweep *s, size_t i, size_t *idx) {
  for (size_t a = s->n_axes; a-- > 0;) {
    idx[a] = i % s->axis[a].n;
    i /= s->axis[a].n;
  }
}

void sweep_point_id(const Sweep *s, const size_t *idx, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t a = 0; a < s->n_axes && used < len; a++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", a ? "_" : "", s->axis[a].name,
                             s->axis[a].value[idx[a]]);
}

/* The data set the points will load (a missing csv: file failed only inside every point). */
static int check_data(int argc, char **argv, Config *cfg, char *err, size_t errlen) {
  char msg[480];
  if (config_parse(argc, argv, cfg, msg, sizeof msg) != 0) return 0;
  DatasetOptions dopt = {.seed = cfg->train.seed, .noise = cfg->noise,
                         .train_frac = cfg->train_frac, .val_frac = cfg->val_frac,
                         .label_col = cfg->label_col};
  Dataset d;
  if (dataset_load(cfg->data, &dopt, &d, msg, sizeof msg)) {
    snprintf(err, errlen, "%s", msg);
    return -1;
  }
  dataset_free(&d);
  return 0;
}

int sweep_check_points(const Sweep *s, char *err, size_t errlen) {
  Config *cfg = malloc(sizeof *cfg);
  char **argv = calloc(s->n_fixed + 2 * s->n_axes + 1, sizeof *argv);
  char names[SWEEP_MAX_AXES][72];
  int bad = !cfg || !argv;
  if (bad) snprintf(err, errlen, "out of memory");
  size_t n = s->n_fixed;
  int argc = (int)(n + 2 * s->n_axes);
  for (size_t i = 0; !bad && i < s->n_fixed; i++) argv[i] = s->fixed[i];
  for (size_t a = 0; !bad && a < s->n_axes; a++) {
    snprintf(names[a], sizeof names[a], "--%s", s->axis[a].name);
    argv[n + 2 * a] = names[a];
    argv[n + 2 * a + 1] = (char *)s->axis[a].value[0];
  }
  for (size_t a = 0; !bad && a < s->n_axes; a++)
    for (size_t v = a ? 1 : 0; !bad && v < s->axis[a].n; v++) {
      const char *value = s->axis[a].value[v];
      argv[n + 2 * a + 1] = (char *)value;
      char msg[400];
      if (config_parse(argc, argv, cfg, msg, sizeof msg)) {
        bad = 1;
        if (strstr(msg, value)) snprintf(err, errlen, "%s", msg);
        else snprintf(err, errlen, "%s %s: %s", names[a], value, msg);
      }
      argv[n + 2 * a + 1] = (char *)s->axis[a].value[0];
    }
  if (!bad) bad = check_data(argc, argv, cfg, err, errlen) != 0;
  free(cfg);
  free(argv);
  return bad ? -1 : 0;
}

void sweep_free(Sweep *s) {
  for (size_t i = 0; i < s->n_fixed; i++) free(s->fixed[i]);
  s->n_fixed = 0;
}
