/* checkpoint_file.c — atomic checkpoint writes and mapped reads. */
#include "app/checkpoint_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/input_file.h"

/* Checkpoints larger than this are taken as something else. */
#define CKPT_FILE_MAX ((uint64_t)1 << 40)

typedef struct {
  int fd;
  int error; /* errno of the first failed write */
} FdSink;

static int write_all(void *ctx, const void *data, size_t len) {
  FdSink *s = ctx;
  const char *p = data;
  while (len) {
    ssize_t w = write(s->fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      s->error = w < 0 ? errno : EIO;
      return -1;
    }
    p += w, len -= (size_t)w;
  }
  return 0;
}

/* The directory part of path ("." when it has none). */
static void dir_of(const char *path, char *dir, size_t len) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, len, ".");
  else if (slash == path) snprintf(dir, len, "/");
  else snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* Removes the temporary files "NAME.tmp-PID" that saves of path by processes
 * no longer alive left behind (killed in the middle of a save). */
static void remove_stale_temporaries(const char *path) {
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  size_t base_len = strlen(base);
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    const char *name = e->d_name;
    if (strncmp(name, base, base_len) || strncmp(name + base_len, ".tmp-", 5)) continue;
    char *end;
    long pid = strtol(name + base_len + 5, &end, 10);
    if (*end || pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or not ours to judge */
    char full[4096 + 256];
    snprintf(full, sizeof full, "%s/%s", dir, name);
    unlink(full);
  }
  closedir(d);
}

int ckpt_file_save(Trainer *t, const char *path, const CkptExtra *extra, char *err, size_t errlen) {
  remove_stale_temporaries(path);
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n);
  if (!tmp) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  /* One save at a time per process, so the pid makes the name unique. */
  snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path,
             strerror(errno));
    free(tmp);
    return -1;
  }
  /* Keep the old file's permissions; a new one gets the usual 0644. */
  struct stat st;
  fchmod(fd, stat(path, &st) == 0 ? st.st_mode & 07777 : 0644);
  FdSink sink = {fd, 0};
  const char *step = "writing";
  char msg[256] = "";
  int rc = -1;
  errno = 0;
  if (checkpoint_write(t, extra, write_all, &sink, msg, sizeof msg) != 0) {
    errno = sink.error;
  } else if (step = "syncing", fsync(fd) == 0) {
    step = "closing";
    int closed = close(fd);
    fd = -1;
    if (closed == 0 && (step = "renaming it into place", rename(tmp, path) == 0)) {
      /* The rename is durable only once the directory is synced. */
      char dir[4096];
      dir_of(path, dir, sizeof dir);
      int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
      }
      rc = 0;
    }
  }
  if (rc) {
    snprintf(err, errlen, "%s: %s the checkpoint failed: %s", path, step,
             errno ? strerror(errno) : msg);
    if (fd >= 0) close(fd);
    unlink(tmp);
  }
  free(tmp);
  return rc;
}

int ckpt_file_open(CkptFile *f, const char *path, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  struct stat st;
  int fd = input_open(path, &st, err, errlen);
  if (fd < 0) return -1;
  const char *problem = NULL;
  if (st.st_size == 0) problem = "empty file (0 bytes; truncated?)";
  else if ((uint64_t)st.st_size > CKPT_FILE_MAX) problem = "too large for a checkpoint";
  else {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) problem = strerror(errno);
    else f->data = m, f->len = (size_t)st.st_size;
  }
  close(fd);
  if (problem) {
    snprintf(err, errlen, "%s: %s", path, problem);
    return -1;
  }
  return 0;
}

void ckpt_file_close(CkptFile *f) {
  if (f->data) munmap((void *)f->data, f->len);
  memset(f, 0, sizeof *f);
}

int ckpt_file_settings(const char *path, char **text, char *err, size_t errlen) {
  *text = NULL;
  CkptFile f;
  if (ckpt_file_open(&f, path, err, errlen)) return -1;
  CkptInfo info;
  char msg[400];
  int rc = -1;
  if (checkpoint_inspect(f.data, f.len, &info, msg, sizeof msg)) {
    snprintf(err, errlen, "%s: %s", path, msg);
  } else if (memchr(info.config, 0, info.config_len)) {
    snprintf(err, errlen, "%s: corrupt: the saved settings hold a NUL byte", path);
  } else if (!(*text = malloc(info.config_len + 1))) {
    snprintf(err, errlen, "%s: out of memory", path);
  } else {
    memcpy(*text, info.config, info.config_len);
    (*text)[info.config_len] = 0;
    rc = 0;
  }
  ckpt_file_close(&f);
  return rc;
}
