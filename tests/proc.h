/* proc.h — running build/flipscope from tests: its exit code, stdout, stderr. */
#ifndef FLIPSCOPE_TESTS_PROC_H
#define FLIPSCOPE_TESTS_PROC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  int code;          /* exit status, or 128 + signal */
  char out[65536];   /* stdout */
  char err[65536];   /* stderr */
} ProcResult;

static inline const char *flipscope_bin(void) {
  const char *bin = getenv("FLIPSCOPE_BIN");
  return bin ? bin : "build/flipscope";
}

static inline void slurp(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "rb");
  size_t got = f ? fread(buf, 1, len - 1, f) : 0;
  buf[got] = 0;
  if (f) fclose(f);
}

/* Runs `flipscope ARGS` through sh (ARGS is shell syntax) with stdin from
 * /dev/null, stopped after `seconds` (0: no limit; a stopped run's code is
 * 124, or 137 when SIGTERM did not end it); fills *r. */
static inline void run_flipscope_within(unsigned seconds, const char *args, ProcResult *r) {
  char out_path[] = "/tmp/flipscope-test-outXXXXXX", err_path[] = "/tmp/flipscope-test-errXXXXXX";
  close(mkstemp(out_path));
  close(mkstemp(err_path));
  size_t len = strlen(args) + 4096;
  char *cmd = malloc(len);
  char limit[32] = "";
  if (seconds) snprintf(limit, sizeof limit, "timeout -k 2 %u ", seconds);
  snprintf(cmd, len, "%s'%s' %s </dev/null >%s 2>%s", limit, flipscope_bin(), args, out_path,
           err_path);
  int status = system(cmd);
  free(cmd);
  r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  slurp(out_path, r->out, sizeof r->out);
  slurp(err_path, r->err, sizeof r->err);
  unlink(out_path);
  unlink(err_path);
}

/* Runs `flipscope ARGS` as run_flipscope_within does, without a time limit. */
static inline void run_flipscope(const char *args, ProcResult *r) { run_flipscope_within(0, args, r); }

/* The number after "key": in a one-line JSON object, or -1 if absent. */
static inline double json_number(const char *json, const char *key) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(json, pat);
  return p ? atof(p + strlen(pat)) : -1.0;
}

#endif
