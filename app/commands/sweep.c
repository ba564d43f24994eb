/* sweep.c — `flipscope sweep`: a grid of headless runs over ranges or lists
 * of option values, run here in up to --jobs processes (fork/exec of this
 * binary) or printed as commands for GNU parallel or a Slurm job array;
 * resumable (a point whose result file exists is skipped); collected into
 * one results CSV and heatmaps of final accuracy and total flips.
 *
 * Layout of the sweep directory (--out DIR, default "sweep"):
 *   sweep.json         the manifest: axes, fixed options, points
 *   sweep.lock         flock()ed by the sweep using DIR, so that there is one at a time
 *   points/ID.json     a finished point's summary (written by --result, atomically)
 *   points/ID.err      its stderr (local runs)
 *   results.csv        one row per point; acc_heatmap.*, flips_heatmap.* the charts
 * ID is "name=value_name=value", e.g. "alpha=0.001_gamma=0.1".
 */
#include "app/commands/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/io/atomic_file.h"
#include "app/cli/config.h"
#include "app/io/number_text.h"
#include "app/charts/gnuplot.h"
#include "app/io/json.h"
#include "app/io/make_dirs.h"
#include "app/run/outputs.h"
#include "datasets/dataset.h"
#include "datasets/input_file.h"

/* The largest sweep.json or point result read (they are a few KB). */
#define SWEEP_MANIFEST_MAX ((size_t)16 << 20)

enum { MAX_AXES = 8, MAX_VALUES = 1000, MAX_POINTS = 100000, MAX_FIXED = 256 };

typedef struct {
  char name[64];
  int log_scale;               /* the range was log-spaced (charts use a log-like index axis) */
  size_t n;
  char value[MAX_VALUES][32];  /* as passed on the command line */
} Axis;

typedef struct {
  char out[CONFIG_PATH_MAX];
  int jobs, emit, collect_only, point_logs, threads_given;
  Axis axis[MAX_AXES];
  size_t n_axes;
  char *fixed[MAX_FIXED];      /* fixed options, as argv words */
  size_t n_fixed;
  size_t points;
} Sweep;

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "flipscope: sweep: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
  return EXIT_USAGE;
}

static void print_help(void) {
  printf("usage: flipscope sweep [--out DIR] [--jobs N] [--emit-jobs] [--point-logs]\n"
         "                       --NAME LO:HI:log|lin:N | --NAME V1,V2,... [...] [fixed options]\n"
         "       flipscope sweep --collect DIR\n"
         "  Runs every combination of the swept values headless (flipscope --headless with\n"
         "  the fixed options), skipping points already finished in DIR; writes\n"
         "  DIR/results.csv and heatmaps of test accuracy and total flips.\n"
         "  --out DIR       the sweep directory (default: sweep)\n"
         "  --jobs N        runs at a time (default 1); each gets cores/N threads unless --threads\n"
         "  --emit-jobs     print one command per unfinished point instead of running them\n"
         "  --collect DIR   merge the finished points of DIR into results and charts\n"
         "  --point-logs    also keep each point's CSV and JSONL logs in DIR/points\n");
}

/* ---------------------------------------------------------------- the grid */

static int parse_axis(const char *name, const char *value, int integer, Axis *a, char *err,
                      size_t errlen) {
  memset(a, 0, sizeof *a);
  snprintf(a->name, sizeof a->name, "%s", name);
  char scale[8];
  double lo, hi;
  int n, used = 0;
  if (sscanf(value, "%lf:%lf:%7[a-z]:%d%n", &lo, &hi, scale, &n, &used) == 4 && !value[used]) {
    int log_scale = !strcmp(scale, "log");
    if (!log_scale && strcmp(scale, "lin")) {
      snprintf(err, errlen, "--%s: scale '%s' is not log or lin", name, scale);
      return -1;
    }
    if (n < 1 || n > MAX_VALUES || !isfinite(lo) || !isfinite(hi) ||
        (log_scale && (lo <= 0 || hi <= 0))) {
      snprintf(err, errlen, "--%s: '%s': need 1..%d points%s", name, value, MAX_VALUES,
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
  /* A list: v1,v2,... */
  for (const char *p = value; *p;) {
    size_t len = strcspn(p, ",");
    if (len == 0 || len >= sizeof a->value[0] || a->n == MAX_VALUES) {
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

/* Is this option value a sweep axis? Ranges and lists of numbers, lists of optimizers. */
static int is_axis(const char *name, const char *value) {
  int numeric = config_option_numeric(name);
  double lo, hi;
  int n;
  char scale[8];
  if (numeric > 0 && sscanf(value, "%lf:%lf:%7[a-z]:%d", &lo, &hi, scale, &n) == 4) return 1;
  if ((numeric > 0 || !strcmp(name, "opt")) && strchr(value, ',')) return 1;
  return 0;
}

/* The point's values: index i in mixed radix over the axes (the last varies fastest). */
static void point_values(const Sweep *s, size_t i, size_t *idx) {
  for (size_t a = s->n_axes; a-- > 0;) {
    idx[a] = i % s->axis[a].n;
    i /= s->axis[a].n;
  }
}

static void point_id(const Sweep *s, const size_t *idx, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t a = 0; a < s->n_axes && used < len; a++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", a ? "_" : "", s->axis[a].name,
                             s->axis[a].value[idx[a]]);
}

static char *path_join(const char *a, const char *b, const char *c) {
  size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%s/%s%s", a, b, c);
  return p;
}

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static int make_dir(const char *dir) {
  if (make_dirs(dir) == 0) return 0;
  fprintf(stderr, "flipscope: sweep: cannot create directory %s: %s\n", dir, strerror(errno));
  return -1;
}

/* ---------------------------------------------------------------- the manifest */

/* AtomicFill: the manifest. */
static int fill_manifest(FILE *f, void *ctx, char *msg, size_t msglen) {
  const Sweep *s = ctx;
  (void)msg, (void)msglen;
  fprintf(f, "{\"schema\":1,\"axes\":[");
  for (size_t a = 0; a < s->n_axes; a++) {
    fprintf(f, "%s{\"name\":", a ? "," : "");
    json_write_string(f, s->axis[a].name);
    fprintf(f, ",\"scale\":\"%s\",\"values\":[", s->axis[a].log_scale ? "log" : "list");
    for (size_t v = 0; v < s->axis[a].n; v++) {
      if (v) fputc(',', f);
      json_write_string(f, s->axis[a].value[v]);
    }
    fprintf(f, "]}");
  }
  fprintf(f, "],\"fixed\":[");
  for (size_t i = 0; i < s->n_fixed; i++) {
    if (i) fputc(',', f);
    json_write_string(f, s->fixed[i]);
  }
  fprintf(f, "]}\n");
  return ferror(f) ? -1 : 0;
}

/* DIR/sweep.json, written atomically (app/io/atomic_file.h). */
static int write_manifest(const Sweep *s) {
  char *path = path_join(s->out, "sweep.json", ""), err[CONFIG_PATH_MAX + 256];
  int rc = path ? atomic_file_write(path, "the manifest", fill_manifest, (void *)s, err, sizeof err)
                : (snprintf(err, sizeof err, "out of memory"), -1);
  if (rc) fprintf(stderr, "flipscope: sweep: %s\n", err);
  free(path);
  return rc;
}

/* Locks DIR/sweep.lock for as long as this process lives, so that two sweeps
 * never share a directory. Returns 0, or -1 with a message on stderr. */
static int lock_dir(const char *dir) {
  char *path = path_join(dir, "sweep.lock", "");
  int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666) : -1;
  int rc = 0;
  if (fd < 0) {
    fprintf(stderr, "flipscope: sweep: cannot create %s: %s\n", path ? path : dir, strerror(errno));
    rc = -1;
  } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      fprintf(stderr, "flipscope: sweep: %s is in use by another sweep (it holds %s); wait for it "
                      "or use another --out\n", dir, path);
      rc = -1;
    } else { /* a file system without locks: carry on */
      fprintf(stderr, "flipscope: warning: sweep: cannot lock %s (%s); make sure no other sweep "
                      "uses %s\n", path, strerror(errno), dir);
    }
    if (rc) close(fd);
  }
  free(path);
  return rc;
}

/* Reads DIR/sweep.json into s (axes and fixed options). */
static int read_manifest(const char *dir, Sweep *s) {
  char *path = path_join(dir, "sweep.json", ""), *text = NULL, why[CONFIG_PATH_MAX + 128];
  size_t len;
  /* A regular file of reasonable size only: a FIFO here hung --collect. */
  if (!path || input_read(path, SWEEP_MANIFEST_MAX, &text, &len, why, sizeof why)) {
    fprintf(stderr, "flipscope: sweep: %s\n", path ? why : "out of memory");
    free(path);
    return -1;
  }
  char err[160];
  json_t *j = json_parse_text(text, strlen(text), err, sizeof err);
  free(text);
  const json_t *axes = json_object_get(j, "axes"), *fixed = json_object_get(j, "fixed");
  int rc = 0;
  if (!j || !json_is_array(axes) || !json_is_array(fixed) || json_array_size(axes) > MAX_AXES ||
      json_array_size(fixed) > MAX_FIXED) {
    fprintf(stderr, "flipscope: sweep: %s is not a sweep manifest%s%s\n", path, j ? "" : ": ",
            j ? "" : err);
    rc = -1;
  }
  for (size_t a = 0; rc == 0 && a < json_array_size(axes); a++) {
    const json_t *ax = json_array_get(axes, a), *values = json_object_get(ax, "values");
    const char *name = json_get_string(ax, "name"), *scale = json_get_string(ax, "scale");
    Axis *o = &s->axis[s->n_axes++];
    memset(o, 0, sizeof *o);
    if (!name || !json_is_array(values) || json_array_size(values) > MAX_VALUES) {
      fprintf(stderr, "flipscope: sweep: %s: axis %zu is malformed\n", path, a);
      rc = -1;
      break;
    }
    snprintf(o->name, sizeof o->name, "%s", name);
    o->log_scale = scale && !strcmp(scale, "log");
    for (size_t v = 0; v < json_array_size(values); v++) {
      const char *value = json_string_value(json_array_get(values, v));
      snprintf(o->value[o->n++], sizeof o->value[0], "%s", value ? value : "?");
    }
  }
  for (size_t i = 0; rc == 0 && i < json_array_size(fixed); i++) {
    const char *option = json_string_value(json_array_get(fixed, i));
    s->fixed[s->n_fixed++] = strdup(option ? option : "");
  }
  json_decref(j);
  free(path);
  return rc;
}

/* ---------------------------------------------------------------- running */

/* The argv of one point: flipscope --headless FIXED... AXES... --result FILE [logs] [threads]. */
static char **point_argv(const Sweep *s, const size_t *idx, const char *exe, const char *id,
                         int threads) {
  size_t n = 0;
  char **argv = calloc(s->n_fixed + 2 * s->n_axes + 16, sizeof *argv);
  if (!argv) return NULL;
  argv[n++] = strdup(exe);
  argv[n++] = strdup("--headless");
  for (size_t i = 0; i < s->n_fixed; i++) argv[n++] = strdup(s->fixed[i]);
  for (size_t a = 0; a < s->n_axes; a++) {
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", s->axis[a].name);
    argv[n++] = strdup(opt);
    argv[n++] = strdup(s->axis[a].value[idx[a]]);
  }
  char *base = path_join(s->out, "points/", id);
  size_t len = base ? strlen(base) + 8 : 0;
  const char *files[3][2] = {{"--result", ".json"}, {"--log", ".csv"}, {"--log-jsonl", ".jsonl"}};
  for (int k = 0; k < (s->point_logs ? 3 : 1); k++) {
    argv[n++] = strdup(files[k][0]);
    argv[n] = base ? malloc(len) : NULL;
    if (argv[n]) snprintf(argv[n], len, "%s%s", base, files[k][1]);
    n++;
  }
  free(base);
  if (threads > 0) {
    char t[16];
    snprintf(t, sizeof t, "%d", threads);
    argv[n++] = strdup("--threads");
    argv[n++] = strdup(t);
  }
  for (size_t i = 0; i < n; i++)
    if (!argv[i]) {
      for (size_t k = 0; k < n; k++) free(argv[k]);
      free(argv);
      return NULL;
    }
  return argv;
}

static void free_argv(char **argv) {
  for (size_t i = 0; argv && argv[i]; i++) free(argv[i]);
  free(argv);
}

/* Writes a word for sh: as is when plain, else single-quoted. */
static void shell_word(FILE *f, const char *w) {
  if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") ==
                strlen(w)) {
    fputs(w, f);
    return;
  }
  fputc('\'', f);
  for (const char *p = w; *p; p++) {
    if (*p == '\'') fputs("'\\''", f);
    else fputc(*p, f);
  }
  fputc('\'', f);
}

static pid_t start_point(char **argv, const char *err_path) {
  int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
    }
    if (fd >= 0) dup2(fd, 2);
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  if (fd >= 0) close(fd);
  return pid;
}

/* ---------------------------------------------------------------- results and charts */

typedef struct {
  int ok;
  double test_acc, train_acc, loss, steps, train_s, samples_per_s, flips_total;
} Result;

static void read_result(const char *out, const char *id, Result *r) {
  memset(r, 0, sizeof *r);
  char *base = path_join(out, "points/", id);
  size_t len = base ? strlen(base) + 8 : 0;
  char *path = base ? malloc(len) : NULL;
  if (path) snprintf(path, len, "%s.json", base);
  char *text = NULL, why[16];
  size_t text_len;
  if (path && input_read(path, SWEEP_MANIFEST_MAX, &text, &text_len, why, sizeof why)) text = NULL;
  json_t *j = text ? json_parse_text(text, text_len, NULL, 0) : NULL;
  if (j) {
    r->ok = 1;
    r->test_acc = json_get_number(j, "test_acc");
    r->train_acc = json_get_number(j, "train_acc");
    r->loss = json_get_number(j, "loss");
    r->steps = json_get_number(j, "steps");
    r->train_s = json_get_number(j, "train_s");
    r->samples_per_s = json_get_number(j, "samples_per_s");
    r->flips_total = json_get_number(j, "flips_total");
  }
  json_decref(j);
  free(text);
  free(path);
  free(base);
}

static void cell(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, ",%.10g", x);
  else fputc(',', f);
}

static void axis_tics(FILE *f, const char *which, const Axis *a) {
  fprintf(f, "set %stics (", which);
  for (size_t v = 0; v < a->n; v++) {
    if (v) fputs(", ", f);
    gp_quote(f, a->value[v]);
    fprintf(f, " %zu", v);
  }
  fprintf(f, ")\nset %slabel ", which);
  gp_quote(f, a->name);
  fputc('\n', f);
}

static int write_heatmap_script(const Sweep *s, const char *base, const char *what, int column,
                                const char *fmt, int log_color) {
  char name[64], err[512];
  snprintf(name, sizeof name, "%s.gp", base);
  FILE *f = gp_create(s->out, name, err, sizeof err);
  if (!f) {
    fprintf(stderr, "flipscope: sweep: %s\n", err);
    return -1;
  }
  fprintf(f, "# flipscope sweep chart; rebuild %s.png and %s.svg with: gnuplot %s (in this directory)\n",
          base, base, name);
  for (int png = 1; png >= 0; png--) {
    gp_terminal(f, base, png, 900, 700);
    fprintf(f, "set title ");
    char title[160];
    snprintf(title, sizeof title, "%s over the sweep%s", what,
             s->n_axes > 2 ? " (best test accuracy over the other axes)" : "");
    gp_quote(f, title);
    fprintf(f, " noenhanced\nunset key\n");
    if (s->n_axes >= 2) {
      axis_tics(f, "x", &s->axis[0]);
      axis_tics(f, "y", &s->axis[1]);
      fprintf(f, "set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\n", s->axis[0].n - 1,
              s->axis[1].n - 1);
      fprintf(f, "set palette defined (0 '#fff7ec', 0.5 '#fc8d59', 1 '#7f0000')\nset cblabel ");
      gp_quote(f, what);
      fprintf(f, "\n%s", log_color ? "set logscale cb\n" : "");
      fprintf(f, "plot 'grid.dat' using 1:2:(0.5):(0.5):(column(%d) > 0 || !%d ? column(%d) : NaN) "
                 "with boxxyerror fs solid 1.0 noborder fc palette, \\\n"
                 "     '' using 1:2:(column(%d) == column(%d) ? sprintf('%s', column(%d)) : '') "
                 "with labels font ',8'\n",
              column, log_color, column, column, column, fmt, column);
    } else {
      axis_tics(f, "x", &s->axis[0]);
      fprintf(f, "set xrange [-0.5:%zu.5]\nset grid\n%s", s->axis[0].n - 1,
              log_color ? "set logscale y\n" : "");
      fprintf(f, "set ylabel ");
      gp_quote(f, what);
      fprintf(f, "\nplot 'grid.dat' using 1:(column(%d)) with linespoints pt 7 lw 1.5\n", column);
    }
    fprintf(f, "unset output\n");
  }
  return gp_close(f, name, err, sizeof err) ? (fprintf(stderr, "flipscope: sweep: %s\n", err), -1) : 0;
}

/* results.csv, grid.dat (first two axes; best test accuracy over the others) and the charts. */
static int collect(const Sweep *s, size_t *missing_out) {
  char *csv_path = path_join(s->out, "results.csv", "");
  FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
  if (!csv) {
    fprintf(stderr, "flipscope: sweep: cannot write %s: %s\n", csv_path ? csv_path : "",
            strerror(errno));
    free(csv_path);
    return -1;
  }
  fprintf(csv, "id");
  for (size_t a = 0; a < s->n_axes; a++) fprintf(csv, ",%s", s->axis[a].name);
  fprintf(csv, ",status,test_acc,train_acc,loss,steps,train_s,samples_per_s,flips_total\n");
  size_t nx = s->n_axes ? s->axis[0].n : 1, ny = s->n_axes > 1 ? s->axis[1].n : 1;
  Result *best = calloc(nx * ny, sizeof *best);
  size_t missing = 0, idx[MAX_AXES];
  for (size_t i = 0; best && i < s->points; i++) {
    char id[512];
    point_values(s, i, idx);
    point_id(s, idx, id, sizeof id);
    Result r;
    read_result(s->out, id, &r);
    fprintf(csv, "%s", id);
    for (size_t a = 0; a < s->n_axes; a++) fprintf(csv, ",%s", s->axis[a].value[idx[a]]);
    fprintf(csv, ",%s", r.ok ? "ok" : "missing");
    if (r.ok) {
      cell(csv, r.test_acc);
      cell(csv, r.train_acc);
      cell(csv, r.loss);
      cell(csv, r.steps);
      cell(csv, r.train_s);
      cell(csv, r.samples_per_s);
      cell(csv, r.flips_total);
      Result *b = &best[idx[0] * ny + (s->n_axes > 1 ? idx[1] : 0)];
      if (!b->ok || r.test_acc > b->test_acc) *b = r;
    } else {
      fprintf(csv, ",,,,,,,");
      missing++;
    }
    fputc('\n', csv);
  }
  int bad = ferror(csv);
  bad |= fclose(csv) != 0;
  if (bad || !best) fprintf(stderr, "flipscope: sweep: writing %s failed\n", csv_path);
  free(csv_path);
  char err[512];
  FILE *g = bad || !best ? NULL : gp_create(s->out, "grid.dat", err, sizeof err);
  if (g) {
    fprintf(g, "# ix iy test_acc flips_total (indices into the axes' values)\n");
    for (size_t x = 0; x < nx; x++) {
      for (size_t y = 0; y < ny; y++) {
        const Result *b = &best[x * ny + y];
        fprintf(g, "%zu %zu", x, y);
        if (b->ok) fprintf(g, " %.10g %.10g\n", b->test_acc, b->flips_total);
        else fprintf(g, " NaN NaN\n");
      }
      fputc('\n', g);
    }
    if (gp_close(g, "grid.dat", err, sizeof err)) bad = 1;
  } else {
    bad = 1;
  }
  free(best);
  *missing_out = missing;
  if (bad || s->n_axes == 0) return bad ? -1 : 0;
  if (write_heatmap_script(s, "acc_heatmap", "final test accuracy", 3, "%.3f", 0) ||
      write_heatmap_script(s, "flips_heatmap", "total flips", 4, "%.3g", 1))
    return -1;
  char gnuplot[1024];
  if (!gp_find_or_warn(gnuplot, sizeof gnuplot, s->out, NULL)) return 0;
  if (missing == s->points) return 0; /* nothing to draw yet */
  const char *scripts[] = {"acc_heatmap.gp", "flips_heatmap.gp"};
  for (int i = 0; i < 2; i++)
    if (gp_run(gnuplot, s->out, scripts[i], NULL, err, sizeof err))
      fprintf(stderr, "flipscope: warning: %s\n", err);
  return 0;
}

/* ---------------------------------------------------------------- the command */

static int same_fixed(const Sweep *a, const Sweep *b) {
  if (a->n_fixed != b->n_fixed) return 0;
  for (size_t i = 0; i < a->n_fixed; i++)
    if (strcmp(a->fixed[i], b->fixed[i])) return 0;
  return 1;
}


/* Checks every value of every axis before any point runs: the fixed options
 * with each value in turn (and the other axes at their first), as the points
 * will see them. Returns 0, or -1 with one line in err naming the key and value. */
static int check_points(const Sweep *s, char *err, size_t errlen) {
  Config *cfg = malloc(sizeof *cfg);
  char **argv = calloc(s->n_fixed + 2 * s->n_axes + 1, sizeof *argv);
  char names[MAX_AXES][72];
  int bad = !cfg || !argv;
  if (bad) snprintf(err, errlen, "out of memory");
  size_t n = s->n_fixed;
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
      if (config_parse((int)(n + 2 * s->n_axes), argv, cfg, msg, sizeof msg)) {
        bad = 1;
        if (strstr(msg, value)) snprintf(err, errlen, "%s", msg);
        else snprintf(err, errlen, "%s %s: %s", names[a], value, msg);
      }
      argv[n + 2 * a + 1] = (char *)s->axis[a].value[0];
    }
  /* The data set too (a missing csv: file failed only inside every point). */
  char msg[480];
  if (!bad && config_parse((int)(n + 2 * s->n_axes), argv, cfg, msg, sizeof msg) == 0) {
    DatasetOptions dopt = {.seed = cfg->train.seed, .noise = cfg->noise,
                           .train_frac = cfg->train_frac, .val_frac = cfg->val_frac,
                           .label_col = cfg->label_col};
    Dataset d;
    if (dataset_load(cfg->data, &dopt, &d, msg, sizeof msg)) bad = 1, snprintf(err, errlen, "%s", msg);
    else dataset_free(&d);
  }
  free(cfg);
  free(argv);
  return bad ? -1 : 0;
}

/* A value that goes into the emitted job lines must stay on its line. */
static int has_control(const char *value) {
  for (const unsigned char *p = (const unsigned char *)value; *p; p++)
    if (*p < 0x20 || *p == 0x7f) return 1;
  return 0;
}

/* A running grid point: its process and its id (for messages). */
typedef struct {
  pid_t pid;
  char id[512];
} Child;

/* Waits for one child to end and books it as done (and failed unless it
 * exited 0). Returns 0 when there is no child left to wait for. */
static int reap_one(const Sweep *s, Child *child, size_t *running, size_t *done, size_t *failed) {
  int status;
  pid_t pid;
  do pid = wait(&status);
  while (pid < 0 && errno == EINTR);
  if (pid < 0) return 0;
  for (int c = 0; c < s->jobs; c++)
    if (child[c].pid == pid) {
      child[c].pid = 0;
      (*running)--;
      (*done)++;
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        (*failed)++;
        fprintf(stderr, "flipscope: sweep: point %s failed (see points/%s.err)\n", child[c].id,
                child[c].id);
      }
    }
  return 1;
}

static int run_points(Sweep *s) {
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) snprintf(exe, sizeof exe, "flipscope");
  else exe[len] = 0;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = s->threads_given || s->emit ? 0 : (int)(cores / s->jobs > 0 ? cores / s->jobs : 1);
  size_t idx[MAX_AXES], done = 0, skipped = 0, failed = 0, running = 0, todo = 0;
  Child *child = calloc((size_t)s->jobs, sizeof *child);
  if (!child) return EXIT_RUNTIME;
  for (size_t i = 0; i < s->points; i++) {
    char id[512];
    point_values(s, i, idx);
    point_id(s, idx, id, sizeof id);
    char *base = path_join(s->out, "points/", id);
    size_t blen = base ? strlen(base) + 8 : 0;
    char *result = base ? malloc(blen) : NULL, *errp = base ? malloc(blen) : NULL;
    if (!result || !errp) {
      free(base);
      free(result);
      free(errp);
      free(child);
      return EXIT_RUNTIME;
    }
    snprintf(result, blen, "%s.json", base);
    snprintf(errp, blen, "%s.err", base);
    free(base);
    if (is_file(result)) {
      skipped++;
    } else {
      char **argv = point_argv(s, idx, s->emit ? exe : "flipscope", id, threads);
      todo++;
      if (!argv) {
        failed++;
      } else if (s->emit) {
        for (size_t k = 0; argv[k]; k++) {
          if (k) fputc(' ', stdout);
          shell_word(stdout, argv[k]);
        }
        fputc('\n', stdout);
      } else {
        /* Wait for a free slot. */
        while (running == (size_t)s->jobs && reap_one(s, child, &running, &done, &failed))
          fprintf(stderr, "flipscope: sweep: %zu/%zu run, %zu failed, %zu skipped\n", done,
                  s->points - skipped, failed, skipped);
        for (int c = 0; c < s->jobs; c++)
          if (!child[c].pid) {
            child[c].pid = start_point(argv, errp);
            snprintf(child[c].id, sizeof child[c].id, "%s", id);
            if (child[c].pid > 0) running++;
            else {
              child[c].pid = 0;
              failed++;
            }
            break;
          }
      }
      free_argv(argv);
    }
    free(result);
    free(errp);
  }
  while (running > 0 && reap_one(s, child, &running, &done, &failed))
    fprintf(stderr, "flipscope: sweep: %zu/%zu run, %zu failed, %zu skipped\n", done,
            s->points - skipped, failed, skipped);
  free(child);
  if (s->emit) {
    fprintf(stderr, "flipscope: sweep: %zu commands for unfinished points (%zu of %zu finished); "
                    "then: flipscope sweep --collect ",
            todo, skipped, s->points);
    shell_word(stderr, s->out);
    fputc('\n', stderr);
    return outputs_flush_stdout("the job lines") ? EXIT_RUNTIME : EXIT_OK;
  }
  size_t missing;
  if (collect(s, &missing)) return EXIT_RUNTIME;
  fprintf(stderr, "flipscope: sweep: %zu points, %zu finished; results in %s/results.csv\n",
          s->points, s->points - missing, s->out);
  return failed ? EXIT_RUNTIME : EXIT_OK;
}

static void free_sweep(Sweep *s) {
  for (size_t i = 0; i < s->n_fixed; i++) free(s->fixed[i]);
  s->n_fixed = 0;
}

int sweep_command(int argc, char **argv) {
  static Sweep s, old;
  memset(&s, 0, sizeof s);
  snprintf(s.out, sizeof s.out, "sweep");
  s.jobs = 1;
  char err[512];
  int rc = EXIT_USAGE;
  const char *collect_dir = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0) {
      rc = usage_error("unexpected argument", a);
      goto done;
    }
    const char *eq = strchr(a, '=');
    char name[64];
    size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    if (nlen >= sizeof name) {
      rc = usage_error("unknown option", a);
      goto done;
    }
    memcpy(name, a + 2, nlen);
    name[nlen] = 0;
    const char *value = eq ? eq + 1 : NULL;
    if (!strcmp(name, "help")) {
      print_help();
      rc = EXIT_OK;
      goto done;
    }
    if (!strcmp(name, "emit-jobs")) {
      s.emit = 1;
      continue;
    }
    if (!strcmp(name, "point-logs")) {
      s.point_logs = 1;
      continue;
    }
    if (!strcmp(name, "headless")) continue;
    int takes = !strcmp(name, "out") || !strcmp(name, "jobs") || !strcmp(name, "collect")
                    ? 1
                    : config_option_takes_value(name);
    if (takes < 0) {
      rc = usage_error("unknown option", a);
      goto done;
    }
    if (takes && !value) {
      if (i + 1 >= argc) {
        snprintf(err, sizeof err, "--%s: missing value", name);
        rc = usage_error(err, NULL);
        goto done;
      }
      value = argv[++i];
    }
    if (value && has_control(value)) {
      snprintf(err, sizeof err, "--%s: a value with a newline or another control character "
                                "cannot go into a sweep's command lines", name);
      rc = usage_error(err, NULL);
      goto done;
    }
    if (!strcmp(name, "out") || !strcmp(name, "collect")) {
      if (!*value || strlen(value) >= sizeof s.out) {
        rc = usage_error("bad directory", value);
        goto done;
      }
      snprintf(s.out, sizeof s.out, "%s", value);
      if (!strcmp(name, "collect")) collect_dir = s.out;
      continue;
    }
    if (!strcmp(name, "jobs")) {
      unsigned long long j;
      if (number_text_count(value, &j) || j < 1 || j > 256) {
        rc = usage_error("--jobs: expected an integer in 1..256, got", value);
        goto done;
      }
      s.jobs = (int)j;
      continue;
    }
    if (!strcmp(name, "result") || !strcmp(name, "log") || !strcmp(name, "log-jsonl") ||
        !strcmp(name, "export") || !strcmp(name, "save") || !strcmp(name, "config")) {
      snprintf(err, sizeof err, "--%s: not in a sweep (each point writes DIR/points/ID.json; "
                                "--point-logs keeps the logs)", name);
      rc = usage_error(err, NULL);
      goto done;
    }
    if (value && is_axis(name, value)) {
      if (s.n_axes == MAX_AXES) {
        rc = usage_error("too many swept options (at most 8)", NULL);
        goto done;
      }
      for (size_t k = 0; k < s.n_axes; k++)
        if (!strcmp(s.axis[k].name, name)) {
          rc = usage_error("swept twice:", a);
          goto done;
        }
      if (parse_axis(name, value, config_option_numeric(name) == 2, &s.axis[s.n_axes], err,
                     sizeof err)) {
        rc = usage_error(err, NULL);
        goto done;
      }
      if (!strcmp(name, "threads")) s.threads_given = 1;
      s.n_axes++;
      continue;
    }
    if (!strcmp(name, "threads")) s.threads_given = 1;
    if (s.n_fixed + 2 > MAX_FIXED) {
      rc = usage_error("too many options", NULL);
      goto done;
    }
    char word[96];
    snprintf(word, sizeof word, "--%s", name);
    s.fixed[s.n_fixed++] = strdup(word);
    if (value) s.fixed[s.n_fixed++] = strdup(value);
  }
  if (collect_dir) {
    if (s.n_axes || s.n_fixed) {
      rc = usage_error("--collect DIR takes no other options", NULL);
      goto done;
    }
    if (read_manifest(collect_dir, &s) || lock_dir(collect_dir)) {
      rc = EXIT_RUNTIME;
      goto done;
    }
  } else if (s.n_axes == 0) {
    rc = usage_error("nothing to sweep: give a range (--alpha 1e-4:1e-1:log:4) or a list "
                     "(--seed 1,2,3)", NULL);
    goto done;
  }
  s.points = 1;
  for (size_t a = 0; a < s.n_axes; a++) {
    if (s.points * s.axis[a].n > MAX_POINTS) {
      rc = usage_error("more than 100000 points", NULL);
      goto done;
    }
    s.points *= s.axis[a].n;
  }
  if (!collect_dir) {
    if (check_points(&s, err, sizeof err)) {
      rc = usage_error(err, NULL);
      goto done;
    }
    if (make_dir(s.out) || lock_dir(s.out)) {
      rc = EXIT_RUNTIME;
      goto done;
    }
    char *manifest = path_join(s.out, "sweep.json", "");
    if (manifest && is_file(manifest)) {
      memset(&old, 0, sizeof old);
      if (read_manifest(s.out, &old) == 0 && !same_fixed(&s, &old)) {
        fprintf(stderr, "flipscope: sweep: %s holds a sweep with other fixed options; use another "
                        "--out or remove it\n",
                s.out);
        free_sweep(&old);
        free(manifest);
        rc = EXIT_USAGE;
        goto done;
      }
      free_sweep(&old);
    }
    free(manifest);
    char *points = path_join(s.out, "points", "");
    int pbad = !points || make_dir(points);
    free(points);
    if (pbad || write_manifest(&s)) {
      rc = EXIT_RUNTIME;
      goto done;
    }
    rc = run_points(&s);
  } else {
    size_t missing;
    rc = collect(&s, &missing) ? EXIT_RUNTIME : EXIT_OK;
    if (rc == EXIT_OK)
      fprintf(stderr, "flipscope: sweep: %zu points, %zu finished; results in %s/results.csv\n",
              s.points, s.points - missing, s.out);
  }
done:
  free_sweep(&s);
  return rc;
}
