/* export_cmd.c — `flipscope export`: its arguments, finding the logs they
 * name, and the charts (app/charts/export.h). */
#include "app/commands/export_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/charts/export.h"
#include "app/cli/config.h"
#include "datasets/input_file.h"

/* The arguments: an optional title, then one or two logs (or log
 * directories) and the charts directory. */
typedef struct {
  const char *title, *pos[3];
  int npos;
} ExportArgs;

/* The logs found: "" for none. */
typedef struct {
  char csv[CONFIG_PATH_MAX + 32], jsonl[CONFIG_PATH_MAX + 32];
} ExportLogs;

/* The --help text, on stdout. */
static void print_help(void) {
  printf("usage: flipscope export [--title T] LOG [LOG2] DIR\n"
         "  LOG: a --log CSV or --log-jsonl file (the other one is looked for beside it),\n"
         "  or a directory holding log.csv and log.jsonl (an --export directory).\n"
         "  Writes gnuplot data, one .gp script per chart, and the PNG and SVG charts to DIR.\n");
}

/* Reads argv into a. Returns -1 when it is to go on, else the exit code
 * (after --help, or a usage error on stderr). */
static int parse_args(int argc, char **argv, ExportArgs *a) {
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--title") || !strncmp(argv[i], "--title=", 8)) {
      if (argv[i][7] == '=') a->title = argv[i] + 8;
      else if (i + 1 < argc) a->title = argv[++i];
      else {
        fprintf(stderr, "flipscope: export: --title: missing value\n");
        return EXIT_USAGE;
      }
    } else if (!strcmp(argv[i], "--help")) {
      print_help();
      return EXIT_OK;
    } else if (!strncmp(argv[i], "--", 2) && a->npos == 0) {
      fprintf(stderr, "flipscope: export: unknown option '%s'\n", argv[i]);
      return EXIT_USAGE;
    } else if (a->npos < 3) {
      a->pos[a->npos++] = argv[i];
    } else {
      fprintf(stderr, "flipscope: export: too many arguments (usage: flipscope export LOG [LOG2] DIR)\n");
      return EXIT_USAGE;
    }
  }
  if (a->npos < 2) {
    fprintf(stderr, "flipscope: export: expected LOG [LOG2] DIR (see flipscope export --help)\n");
    return EXIT_USAGE;
  }
  return -1;
}

/* True when s ends with suffix. */
static int has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcmp(s + n - k, suffix);
}

/* 1 when the file's first non-blank byte is '{' (a JSONL log), 0 if not, -1
 * with err set if it is unreadable or not a regular file. */
static int looks_jsonl(const char *path, char *err, size_t errlen) {
  struct stat st;
  int fd = input_open(path, &st, err, errlen);
  FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
  if (!f) {
    if (fd >= 0) snprintf(err, errlen, "%s: %s", path, strerror(errno)), close(fd);
    return -1;
  }
  int ch;
  while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
  }
  fclose(f);
  return ch == '{';
}

/* True when path is a directory. */
static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One log given: the other is looked for beside it (a.csv and a.jsonl). */
static void find_sibling(ExportLogs *logs) {
  char *have = logs->csv[0] ? logs->csv : logs->jsonl, *want = logs->csv[0] ? logs->jsonl : logs->csv;
  const char *from = logs->csv[0] ? ".csv" : ".jsonl", *to = logs->csv[0] ? ".jsonl" : ".csv";
  if (!has_suffix(have, from)) return;
  snprintf(want, sizeof logs->csv, "%.*s%s", (int)(strlen(have) - strlen(from)), have, to);
  char ignored[CONFIG_PATH_MAX + 128];
  if (access(want, R_OK) != 0 || looks_jsonl(want, ignored, sizeof ignored) != (want == logs->jsonl))
    want[0] = 0;
}

/* The logs the arguments name (all but the last). Returns -1 when found,
 * else the exit code after one line on stderr. */
static int find_logs(const ExportArgs *a, ExportLogs *logs) {
  logs->csv[0] = logs->jsonl[0] = 0;
  for (int i = 0; i < a->npos - 1; i++) {
    const char *p = a->pos[i];
    if (strlen(p) >= CONFIG_PATH_MAX) {
      fprintf(stderr, "flipscope: export: path too long: %.60s...\n", p);
      return EXIT_USAGE;
    }
    if (is_dir(p)) {
      snprintf(logs->csv, sizeof logs->csv, "%s/log.csv", p);
      snprintf(logs->jsonl, sizeof logs->jsonl, "%s/log.jsonl", p);
      continue;
    }
    char err[CONFIG_PATH_MAX + 128];
    int j = looks_jsonl(p, err, sizeof err);
    if (j < 0) {
      fprintf(stderr, "flipscope: export: %s\n", err);
      return EXIT_RUNTIME;
    }
    char *slot = j ? logs->jsonl : logs->csv;
    if (slot[0]) { /* one run's charts: a second log of the same kind is another run */
      fprintf(stderr, "flipscope: export: %s and %s are both %s logs; give one run's CSV and/or "
              "JSONL log (export each run into its own directory to compare runs)\n",
              slot, p, j ? "JSONL" : "CSV");
      return EXIT_USAGE;
    }
    snprintf(slot, sizeof logs->csv, "%s", p);
  }
  if (a->npos == 2 && !is_dir(a->pos[0])) find_sibling(logs);
  if (logs->csv[0] && access(logs->csv, R_OK) != 0) logs->csv[0] = 0;
  if (logs->jsonl[0] && access(logs->jsonl, R_OK) != 0) logs->jsonl[0] = 0;
  if (!logs->csv[0] && !logs->jsonl[0]) {
    fprintf(stderr, "flipscope: export: no log found in %s\n", a->pos[0]);
    return EXIT_RUNTIME;
  }
  return -1;
}

int export_command(int argc, char **argv) {
  ExportArgs a;
  ExportLogs logs;
  int rc = parse_args(argc, argv, &a);
  if (rc < 0) rc = find_logs(&a, &logs);
  if (rc >= 0) return rc;
  const char *dir = a.pos[a.npos - 1];
  char err[1024];
  ExportOptions eo = {.title = a.title};
  if (export_charts(logs.csv[0] ? logs.csv : NULL, logs.jsonl[0] ? logs.jsonl : NULL, dir, &eo, err,
                    sizeof err) != 0) {
    fprintf(stderr, "flipscope: export: %s\n", err);
    return EXIT_RUNTIME;
  }
  fprintf(stderr, "flipscope: export: charts in %s\n", dir);
  return EXIT_OK;
}
