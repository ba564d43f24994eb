/* sweep_jobs.c — running or printing a sweep's points (sweep_jobs.h). */
#include "app/commands/sweep_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/commands/sweep_dir.h"

/* A running grid point: its process and its id (for messages). */
typedef struct {
  pid_t pid;
  char id[512];
} Child;

/* The points run or printed, and the processes running. */
typedef struct {
  const Sweep *s;
  char exe[4096]; /* this binary, named in printed commands */
  int threads;    /* --threads of each point (0: not given) */
  Child *child;   /* s->jobs slots */
  size_t done, skipped, failed, running, todo;
} Jobs;

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
  const char *files[3][2] = {{"--result", ".json"}, {"--log", ".csv"}, {"--log-jsonl", ".jsonl"}};
  for (int k = 0; k < (s->point_logs ? 3 : 1); k++) {
    argv[n++] = strdup(files[k][0]);
    argv[n++] = sweep_point_file(s->out, id, files[k][1]);
  }
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

/* Releases a NULL-terminated argv and its words. */
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

/* Prints argv as one command line on stdout. */
static void emit_point(char **argv) {
  for (size_t k = 0; argv[k]; k++) {
    if (k) fputc(' ', stdout);
    shell_word(stdout, argv[k]);
  }
  fputc('\n', stdout);
}

/* Starts this binary with argv, stdin and stdout on /dev/null and stderr
 * to err_path. Returns the child's pid, or -1. */
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

/* "N/M run, F failed, S skipped" on stderr. */
static void progress(const Jobs *j) {
  fprintf(stderr, "flipscope: sweep: %zu/%zu run, %zu failed, %zu skipped\n", j->done,
          j->s->points - j->skipped, j->failed, j->skipped);
}

/* Waits for one child to end and books it as done (and failed unless it
 * exited 0). Returns 0 when there is no child left to wait for. */
static int reap_one(Jobs *j) {
  int status;
  pid_t pid;
  do pid = wait(&status);
  while (pid < 0 && errno == EINTR);
  if (pid < 0) return 0;
  for (int c = 0; c < j->s->jobs; c++)
    if (j->child[c].pid == pid) {
      j->child[c].pid = 0;
      j->running--;
      j->done++;
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        j->failed++;
        fprintf(stderr, "flipscope: sweep: point %s failed (see points/%s.err)\n", j->child[c].id,
                j->child[c].id);
      }
    }
  return 1;
}

/* Starts point id in a free slot, once there is one. */
static void spawn_point(Jobs *j, char **argv, const char *err_path, const char *id) {
  while (j->running == (size_t)j->s->jobs && reap_one(j)) progress(j);
  for (int c = 0; c < j->s->jobs; c++)
    if (!j->child[c].pid) {
      j->child[c].pid = start_point(argv, err_path);
      snprintf(j->child[c].id, sizeof j->child[c].id, "%s", id);
      if (j->child[c].pid > 0) j->running++;
      else {
        j->child[c].pid = 0;
        j->failed++;
      }
      break;
    }
}

/* Point i: skipped when its result exists, else run or printed. Returns 0,
 * or -1 when memory ran out. */
static int do_point(Jobs *j, size_t i) {
  const Sweep *s = j->s;
  char id[512];
  size_t idx[SWEEP_MAX_AXES];
  sweep_point_values(s, i, idx);
  sweep_point_id(s, idx, id, sizeof id);
  char *result = sweep_point_file(s->out, id, ".json"), *err_path = sweep_point_file(s->out, id, ".err");
  if (!result || !err_path) {
    free(result);
    free(err_path);
    return -1;
  }
  if (sweep_is_file(result)) {
    j->skipped++;
  } else {
    char **argv = point_argv(s, idx, s->emit ? j->exe : "flipscope", id, j->threads);
    j->todo++;
    if (!argv) j->failed++;
    else if (s->emit) emit_point(argv);
    else spawn_point(j, argv, err_path, id);
    free_argv(argv);
  }
  free(result);
  free(err_path);
  return 0;
}

long sweep_jobs_run(const Sweep *s) {
  Jobs j = {.s = s};
  ssize_t len = readlink("/proc/self/exe", j.exe, sizeof j.exe - 1);
  if (len <= 0) snprintf(j.exe, sizeof j.exe, "flipscope");
  else j.exe[len] = 0;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  j.threads = s->threads_given || s->emit ? 0 : (int)(cores / s->jobs > 0 ? cores / s->jobs : 1);
  j.child = calloc((size_t)s->jobs, sizeof *j.child);
  if (!j.child) return -1;
  for (size_t i = 0; i < s->points; i++)
    if (do_point(&j, i)) {
      free(j.child);
      return -1;
    }
  while (j.running > 0 && reap_one(&j)) progress(&j);
  free(j.child);
  if (s->emit) {
    fprintf(stderr, "flipscope: sweep: %zu commands for unfinished points (%zu of %zu finished); "
                    "then: flipscope sweep --collect ",
            j.todo, j.skipped, s->points);
    shell_word(stderr, s->out);
    fputc('\n', stderr);
  }
  return (long)j.failed;
}
