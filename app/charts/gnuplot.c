/* gnuplot.c — safe script strings, finding and running gnuplot. */
#include "app/charts/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void gp_quote(FILE *f, const char *s) {
  fputc('\'', f);
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n < 200; p++, n++) {
    if (*p == '\'') fputs("''", f);
    else if (*p < 0x20 || *p == 0x7F) fputc(' ', f);
    else if (*p >= 0x80) fputc('?', f);
    else fputc(*p, f);
  }
  fputc('\'', f);
}

const char *gp_find(char *buf, size_t len) {
  const char *forced = getenv("FLIPSCOPE_GNUPLOT");
  if (forced) {
    if (!*forced || access(forced, X_OK) != 0) return NULL;
    snprintf(buf, len, "%s", forced);
    return buf;
  }
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;) {
    size_t seg = strcspn(p, ":");
    static const char name[] = "/gnuplot";
    if (seg && seg + sizeof name <= len) {
      memcpy(buf, p, seg);
      memcpy(buf + seg, name, sizeof name);
      if (access(buf, X_OK) == 0) return buf;
    }
    p += seg;
    if (*p == ':') p++;
  }
  return NULL;
}

const char *gp_find_or_warn(char *buf, size_t len, const char *dir, const char *advice) {
  if (gp_find(buf, len)) return buf;
  fprintf(stderr, "flipscope: warning: gnuplot not found: wrote data and scripts to %s but did "
                  "not render the images%s%s%s\n",
          dir, advice ? " (" : "", advice ? advice : "", advice ? ")" : "");
  return NULL;
}

FILE *gp_create(const char *dir, const char *name, char *err, size_t errlen) {
  size_t len = strlen(dir) + strlen(name) + 2;
  char *path = malloc(len);
  if (!path) return NULL;
  snprintf(path, len, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) snprintf(err, errlen, "--export: cannot write %s: %s", path, strerror(errno));
  free(path);
  return f;
}

int gp_close(FILE *f, const char *name, char *err, size_t errlen) {
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  if (bad) snprintf(err, errlen, "--export: writing %s failed", name);
  return bad ? -1 : 0;
}

void gp_terminal(FILE *f, const char *base, int png, int width, int height) {
  if (png)
    fprintf(f, "set terminal pngcairo size %d,%d noenhanced font 'Sans,9'\nset output '%s.png'\n",
            width, height, base);
  else
    fprintf(f,
            "set terminal svg size %d,%d noenhanced font 'Sans,9' background rgb 'white'\n"
            "set output '%s.svg'\n",
            width, height, base);
}

int gp_run(const char *gnuplot, const char *dir, const char *script, int (*stop)(void), char *err,
           size_t errlen) {
  char log_path[] = "/tmp/flipscope-gnuplot-XXXXXX";
  int log_fd = mkstemp(log_path);
  if (log_fd < 0) {
    snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
    return -1;
  }
  unlink(log_path);
  /* The environment without DISPLAY, built before fork (the child only execs). */
  extern char **environ;
  size_t n_env = 0;
  while (environ[n_env]) n_env++;
  char **envp = malloc((n_env + 1) * sizeof *envp);
  if (!envp) {
    close(log_fd);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t k = 0;
  for (size_t i = 0; i < n_env; i++)
    if (strncmp(environ[i], "DISPLAY=", 8) != 0) envp[k++] = environ[i];
  envp[k] = NULL;
  char *argv[] = {"gnuplot", (char *)script, NULL};
  pid_t pid = fork();
  if (pid < 0) {
    free(envp);
    close(log_fd);
    snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (chdir(dir) != 0) _exit(126);
    execve(gnuplot, argv, envp);
    _exit(127);
  }
  free(envp);
  int status = 0, stopped = 0;
  for (pid_t got; (got = waitpid(pid, &status, stop ? WNOHANG : 0)) != pid;) {
    if (got < 0 && errno != EINTR) break;
    if (stop && !stopped && stop()) { /* ends gnuplot, then reaps it */
      kill(pid, SIGTERM);
      stopped = 1;
    }
    if (stop) usleep(10000);
  }
  if (stopped) {
    close(log_fd);
    snprintf(err, errlen, "gnuplot %s: interrupted", script);
    return -2;
  }
  char out[4096];
  ssize_t got = pread(log_fd, out, sizeof out - 1, 0);
  close(log_fd);
  out[got > 0 ? got : 0] = 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  /* The first line that says what went wrong. */
  const char *line = out;
  for (const char *p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
    if (strstr(p, "rror") || strstr(p, "line ")) {
      line = p;
      break;
    }
  snprintf(err, errlen, "gnuplot %s failed (%s): %.*s", script,
           WIFEXITED(status) ? "exit" : "signal", (int)strcspn(line, "\n"), line);
  return -1;
}
