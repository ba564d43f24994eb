/* outputs.c — see outputs.h. */
#include "app/run/outputs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/cifar10.h"
#include "datasets/idx.h"

enum { MAX_FILES = 24, NORM_MAX = PATH_MAX + CONFIG_PATH_MAX + 64 };

/* One file the run reads or writes, and which file it is. */
typedef struct {
  const char *flag; /* "--log" */
  char path[CONFIG_PATH_MAX + 64];
  int output;
  int exists;       /* then dev and ino say which file, else norm */
  dev_t dev;
  ino_t ino;
  char norm[NORM_MAX];
} RunFile;

/* path made absolute, with ".", ".." and repeated slashes taken out (by
 * its text alone). */
static void normalise_text(const char *path, char *out, size_t len) {
  char abs[NORM_MAX], cwd[PATH_MAX];
  if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) snprintf(abs, sizeof abs, "%s", path);
  else snprintf(abs, sizeof abs, "%s/%s", cwd, path);
  size_t n = 0;
  out[0] = 0;
  for (const char *p = abs; *p;) {
    size_t c = strcspn(p, "/");
    if (c == 2 && p[0] == '.' && p[1] == '.') {
      while (n > 0 && out[--n] != '/') continue;
      out[n] = 0;
    } else if (c && !(c == 1 && p[0] == '.') && n + c + 2 <= len) {
      out[n++] = '/';
      memcpy(out + n, p, c);
      out[n += c] = 0;
    }
    p += c + (p[c] == '/');
  }
  if (!n) snprintf(out, len, "/");
}

/* Fills f's identity: device and inode, or else the normalised path with
 * its directory's symbolic links resolved. */
static void identify(RunFile *f) {
  struct stat st;
  f->exists = stat(f->path, &st) == 0;
  if (f->exists) {
    f->dev = st.st_dev, f->ino = st.st_ino;
    return;
  }
  char text[NORM_MAX];
  normalise_text(f->path, text, sizeof text);
  char *slash = strrchr(text, '/'), *dir;
  *slash = 0;
  if ((dir = realpath(text[0] ? text : "/", NULL))) {
    snprintf(f->norm, sizeof f->norm, "%s/%s", strcmp(dir, "/") ? dir : "", slash + 1);
    free(dir);
  } else {
    *slash = '/';
    snprintf(f->norm, sizeof f->norm, "%s", text);
  }
}

static int same_file(const RunFile *a, const RunFile *b) {
  if (a->exists != b->exists) return 0;
  return a->exists ? a->dev == b->dev && a->ino == b->ino : !strcmp(a->norm, b->norm);
}

static RunFile *add(RunFile *files, size_t *n, const char *flag, int output, const char *fmt,
                    const char *a, const char *b) {
  RunFile *f = &files[(*n)++];
  f->flag = flag;
  f->output = output;
  snprintf(f->path, sizeof f->path, fmt, a, b);
  identify(f);
  return f;
}

/* The run's inputs and outputs, as cfg names them. Returns how many. */
static size_t list_files(const Config *cfg, RunFile *files) {
  size_t n = 0;
  if (!strncmp(cfg->data, "csv:", 4) && cfg->data[4]) add(files, &n, "--data", 0, "%s%s", cfg->data + 4, "");
  for (int i = 0; i < 4 && !strncmp(cfg->data, "idx:", 4) && cfg->data[4]; i++) {
    add(files, &n, "--data", 0, "%s/%s", cfg->data + 4, idx_dir_file_name(i));
    add(files, &n, "--data", 0, "%s/%s.gz", cfg->data + 4, idx_dir_file_name(i));
  }
  for (int i = 0; i <= CIFAR_TRAIN_FILES && !strncmp(cfg->data, "cifar10:", 8) && cfg->data[8]; i++)
    add(files, &n, "--data", 0, "%s/%s", cfg->data + 8, cifar10_file_name(i));
  if (cfg->config_path[0]) add(files, &n, "--config", 0, "%s%s", cfg->config_path, "");
  if (cfg->load_path[0]) add(files, &n, "--load", 0, "%s%s", cfg->load_path, "");
  const struct {
    const char *flag, *path;
  } outs[] = {{"--log", cfg->log_path},       {"--log-jsonl", cfg->jsonl_path},
              {"--save", cfg->save_path},     {"--result", cfg->result_path},
              {"--screen", cfg->screen_path}};
  for (size_t i = 0; i < sizeof outs / sizeof *outs; i++)
    if (outs[i].path[0]) add(files, &n, outs[i].flag, 1, "%s%s", outs[i].path, "");
  /* --export DIR writes the logs not given elsewhere as DIR/log.csv and DIR/log.jsonl. */
  if (cfg->export_dir[0] && !cfg->log_path[0]) add(files, &n, "--export", 1, "%s/%s", cfg->export_dir, "log.csv");
  if (cfg->export_dir[0] && !cfg->jsonl_path[0])
    add(files, &n, "--export", 1, "%s/%s", cfg->export_dir, "log.jsonl");
  return n;
}

/* Is `name` one that --export DIR gives a chart's data, script or image
 * in DIR (app/charts/export.h lists the charts)? */
static int export_writes(const char *name) {
  static const char *const charts[] = {"loss", "flips", "bode", "dashboard", "test"};
  static const char *const per_layer[] = {"fan_l", "heat_l", "raster_l"};
  const char *dot = strrchr(name, '.');
  if (!dot) return 0;
  int data = !strcmp(dot, ".dat");
  if (!data && strcmp(dot, ".gp") && strcmp(dot, ".png") && strcmp(dot, ".svg")) return 0;
  size_t len = (size_t)(dot - name);
  for (size_t i = 0; i < sizeof charts / sizeof *charts; i++)
    if (strlen(charts[i]) == len && !strncmp(name, charts[i], len))
      return data ? strcmp(charts[i], "dashboard") != 0 : strcmp(charts[i], "test") != 0;
  for (size_t i = 0; i < sizeof per_layer / sizeof *per_layer; i++) {
    size_t p = strlen(per_layer[i]);
    if (len > p && !strncmp(name, per_layer[i], p) && strspn(name + p, "0123456789") == len - p)
      return 1;
  }
  return 0;
}

static int refuse_shared(const RunFile *out, const RunFile *other, char *err, size_t errlen) {
  snprintf(err, errlen, "%s %s: the same file as %s %s (%s)", out->flag, out->path, other->flag,
           other->path,
           other->output ? "two outputs would overwrite each other" : "it would overwrite an input");
  return EXIT_USAGE;
}

/* Two flags naming one file, among files[0..n) and the charts of --export. */
static int check_shared(const Config *cfg, const RunFile *files, size_t n, char *err, size_t errlen) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      const RunFile *a = &files[i], *b = &files[j];
      if (!a->output || (b->output && j <= i) || !same_file(a, b)) continue;
      if (!strcmp(a->flag, "--save") && !strcmp(b->flag, "--load")) continue; /* resumes in place */
      return refuse_shared(a, b, err, errlen);
    }
  for (size_t i = 0; cfg->export_dir[0] && i < n; i++) {
    const char *slash = strrchr(files[i].path, '/'), *base = slash ? slash + 1 : files[i].path;
    if (!export_writes(base)) continue;
    RunFile chart;
    size_t one = 0;
    add(&chart, &one, "--export", 1, "%s/%s", cfg->export_dir, base);
    if (same_file(&chart, &files[i])) return refuse_shared(&chart, &files[i], err, errlen);
  }
  return EXIT_OK;
}

/* 0 when a file can be made in dir (tried: a mode bit says nothing as root
 * or in /proc), else the errno that says why not. */
static int can_create_in(const char *dir) {
  struct stat st;
  if (stat(dir, &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  char probe[CONFIG_PATH_MAX + 128];
  snprintf(probe, sizeof probe, "%s/.flipscope-probe-XXXXXX", dir);
  int fd = mkstemp(probe);
  if (fd < 0) return errno;
  close(fd);
  unlink(probe);
  return 0;
}

/* An output must be a file to replace or write to; --save and --result,
 * written at the end only, need a directory that can be written (unless it
 * is the --export DIR, made at the start). */
static int check_writable(const Config *cfg, const RunFile *f, char *err, size_t errlen) {
  struct stat st;
  if (stat(f->path, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode))) {
    snprintf(err, errlen, "%s %s: is a %s", f->flag, f->path, S_ISDIR(st.st_mode) ? "directory" : "socket");
    return -1;
  }
  if (strcmp(f->flag, "--save") && strcmp(f->flag, "--result")) return 0;
  if (f->exists && !S_ISREG(st.st_mode)) { /* a device or FIFO, written to as it is */
    if (access(f->path, W_OK) == 0) return 0;
    snprintf(err, errlen, "%s %s: cannot write: %s", f->flag, f->path, strerror(errno));
    return -1;
  }
  char dir[CONFIG_PATH_MAX + 64], dir_norm[NORM_MAX], export_norm[NORM_MAX];
  const char *slash = strrchr(f->path, '/');
  snprintf(dir, sizeof dir, "%.*s", slash ? (slash == f->path ? 1 : (int)(slash - f->path)) : 1,
           slash ? f->path : ".");
  int e = can_create_in(dir);
  if (e == 0) return 0;
  normalise_text(dir, dir_norm, sizeof dir_norm);
  normalise_text(cfg->export_dir, export_norm, sizeof export_norm);
  if (cfg->export_dir[0] && e == ENOENT && !strcmp(dir_norm, export_norm)) return 0;
  snprintf(err, errlen, "%s %s: cannot write in %s: %s", f->flag, f->path, dir, strerror(e));
  return -1;
}

int outputs_check(const Config *cfg, char *err, size_t errlen) {
  RunFile *files = calloc(MAX_FILES, sizeof *files);
  if (!files) {
    snprintf(err, errlen, "out of memory");
    return EXIT_RUNTIME;
  }
  size_t n = list_files(cfg, files);
  int rc = check_shared(cfg, files, n, err, errlen);
  for (size_t i = 0; rc == EXIT_OK && i < n; i++)
    if (files[i].output && check_writable(cfg, &files[i], err, errlen)) rc = EXIT_RUNTIME;
  free(files);
  return rc;
}

int outputs_flush_stdout(const char *what) {
  int e = fflush(stdout) != 0 ? errno : 0; /* 0: an earlier flush failed, errno is gone */
  if (!e && !ferror(stdout)) return 0;
  fprintf(stderr, "flipscope: writing %s to stdout failed%s%s\n", what, e ? ": " : "",
          e ? strerror(e) : "");
  return -1;
}
