/* sweep_dir.c — the sweep directory: its manifest and its lock (sweep_dir.h). */
#include "app/commands/sweep_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/charts/gnuplot.h"
#include "app/io/atomic_file.h"
#include "app/io/json.h"
#include "app/io/make_dirs.h"
#include "datasets/input_file.h"

char *sweep_path(const char *a, const char *b, const char *c) {
  size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%s/%s%s", a, b, c);
  return p;
}

char *sweep_point_file(const char *dir, const char *id, const char *suffix) {
  size_t len = strlen(dir) + strlen(id) + strlen(suffix) + 9;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%s/points/%s%s", dir, id, suffix);
  return p;
}

int sweep_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Makes dir and its parents; -1 after one line on stderr. */
static int make_dir(const char *dir) {
  if (make_dirs(dir) == 0) return 0;
  fprintf(stderr, "flipscope: sweep: cannot create directory %s: %s\n", dir, strerror(errno));
  return -1;
}

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
  char *path = sweep_path(s->out, "sweep.json", ""), err[CONFIG_PATH_MAX + 256];
  int rc = path ? atomic_file_write(path, "the manifest", fill_manifest, (void *)s, err, sizeof err)
                : (snprintf(err, sizeof err, "out of memory"), -1);
  if (rc) fprintf(stderr, "flipscope: sweep: %s\n", err);
  free(path);
  return rc;
}

/* Locks DIR/sweep.lock for as long as this process lives, so that two sweeps
 * never share a directory. Returns 0, or -1 with a message on stderr. */
static int lock_dir(const char *dir) {
  char *path = sweep_path(dir, "sweep.lock", "");
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

/* One axis of the manifest into o. Returns 0, or -1 when it is malformed. */
static int read_axis(const json_t *ax, SweepAxis *o) {
  const json_t *values = json_object_get(ax, "values");
  const char *name = json_get_string(ax, "name"), *scale = json_get_string(ax, "scale");
  memset(o, 0, sizeof *o);
  if (!name || !json_is_array(values) || json_array_size(values) > SWEEP_MAX_VALUES) return -1;
  snprintf(o->name, sizeof o->name, "%s", name);
  o->log_scale = scale && !strcmp(scale, "log");
  for (size_t v = 0; v < json_array_size(values); v++) {
    const char *value = json_string_value(json_array_get(values, v));
    snprintf(o->value[o->n++], sizeof o->value[0], "%s", value ? value : "?");
  }
  return 0;
}

/* Reads DIR/sweep.json into s (axes and fixed options). */
static int read_manifest(const char *dir, Sweep *s) {
  char *path = sweep_path(dir, "sweep.json", ""), *text = NULL, why[CONFIG_PATH_MAX + 128];
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
  if (!j || !json_is_array(axes) || !json_is_array(fixed) || json_array_size(axes) > SWEEP_MAX_AXES ||
      json_array_size(fixed) > SWEEP_MAX_FIXED) {
    fprintf(stderr, "flipscope: sweep: %s is not a sweep manifest%s%s\n", path, j ? "" : ": ",
            j ? "" : err);
    rc = -1;
  }
  for (size_t a = 0; rc == 0 && a < json_array_size(axes); a++)
    if (read_axis(json_array_get(axes, a), &s->axis[s->n_axes++])) {
      fprintf(stderr, "flipscope: sweep: %s: axis %zu is malformed\n", path, a);
      rc = -1;
    }
  for (size_t i = 0; rc == 0 && i < json_array_size(fixed); i++) {
    const char *option = json_string_value(json_array_get(fixed, i));
    s->fixed[s->n_fixed++] = strdup(option ? option : "");
  }
  json_decref(j);
  free(path);
  return rc;
}

/* True when a and b have the same fixed options, in the same order. */
static int same_fixed(const Sweep *a, const Sweep *b) {
  if (a->n_fixed != b->n_fixed) return 0;
  for (size_t i = 0; i < a->n_fixed; i++)
    if (strcmp(a->fixed[i], b->fixed[i])) return 0;
  return 1;
}

/* 0 when s->out holds no manifest or one with s's fixed options. */
static int check_resumed(const Sweep *s) {
  static Sweep old; /* (megabytes of axis values) */
  char *manifest = sweep_path(s->out, "sweep.json", "");
  int rc = 0;
  if (manifest && sweep_is_file(manifest)) {
    memset(&old, 0, sizeof old);
    if (read_manifest(s->out, &old) == 0 && !same_fixed(s, &old)) {
      fprintf(stderr, "flipscope: sweep: %s holds a sweep with other fixed options; use another "
                      "--out or remove it\n",
              s->out);
      rc = -1;
    }
    sweep_free(&old);
  }
  free(manifest);
  return rc;
}

int sweep_dir_prepare(const Sweep *s) {
  if (make_dir(s->out) || lock_dir(s->out)) return EXIT_RUNTIME;
  if (check_resumed(s)) return EXIT_USAGE;
  char *points = sweep_path(s->out, "points", "");
  int bad = !points || make_dir(points);
  free(points);
  return bad || write_manifest(s) ? EXIT_RUNTIME : 0;
}

int sweep_dir_open(const char *dir, Sweep *s) {
  return read_manifest(dir, s) || lock_dir(dir) ? -1 : 0;
}
