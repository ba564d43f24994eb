/* proc.h — running build/flipscope from tests: its exit code, stdout, stderr,
 * and the checks most runs end with (exit 0; or one error line and a code). */
#ifndef FLIPSCOPE_TESTS_PROC_H
#define FLIPSCOPE_TESTS_PROC_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  char args[4096];   /* the arguments it ran with (cut to fit), for messages */
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
  snprintf(r->args, sizeof r->args, "%s", args);
  r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  slurp(out_path, r->out, sizeof r->out);
  slurp(err_path, r->err, sizeof r->err);
  unlink(out_path);
  unlink(err_path);
}

/* Runs `flipscope ARGS` as run_flipscope_within does, without a time limit. */
static inline void run_flipscope(const char *args, ProcResult *r) { run_flipscope_within(0, args, r); }

/* Runs `flipscope ARGS` as run_flipscope does, ARGS made from fmt and the
 * arguments after it as printf makes them; fills *r. */
__attribute__((format(printf, 2, 3))) static inline void run_flipscopef(ProcResult *r,
                                                                        const char *fmt, ...) {
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  int len = vsnprintf(NULL, 0, fmt, ap);
  char *args = malloc((size_t)len + 1);
  vsnprintf(args, (size_t)len + 1, fmt, again);
  va_end(again);
  va_end(ap);
  run_flipscope(args, r);
  free(args);
}

/* Fails the test unless the run in r exited 0, naming its arguments and stderr. */
static inline void expect_ok(const ProcResult *r) {
  cr_assert_eq(r->code, 0, "flipscope %s: exit %d, stderr: %s", r->args, r->code, r->err);
}

/* run_flipscope_ok(&r, FMT, ...): runs flipscope as run_flipscopef does and
 * expects exit 0 (expect_ok). */
#define run_flipscope_ok(r, ...) (run_flipscopef((r), __VA_ARGS__), expect_ok(r))

/* Runs `flipscope ARGS` and expects exit `code`, nothing on stdout and one
 * line on stderr holding needle. */
static inline void expect_exit(const char *args, int code, const char *needle) {
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, code, "flipscope %s: exit %d, stderr: %s", args, r.code, r.err);
  cr_assert(strstr(r.err, needle), "flipscope %s: stderr '%s' lacks '%s'", args, r.err, needle);
  cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "flipscope %s: one line only: %s",
               args, r.err);
  cr_assert_str_eq(r.out, "", "flipscope %s: nothing on stdout after a failure", args);
}

/* A usage error: exit 2 (EXIT_USAGE), as expect_exit checks it. */
static inline void expect_usage_error(const char *args, const char *needle) {
  expect_exit(args, 2, needle);
}

/* The number after "key": in a one-line JSON object, or -1 if absent. */
static inline double json_number(const char *json, const char *key) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(json, pat);
  return p ? atof(p + strlen(pat)) : -1.0;
}

#endif
