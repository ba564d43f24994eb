/* atomic_file.c — see atomic_file.h. */
#include "app/io/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_SUFFIX ".tmp-"

/* The directory part of path ("." when it has none). */
static void dir_of(const char *path, char *dir, size_t len) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, len, ".");
  else if (slash == path) snprintf(dir, len, "/");
  else snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* Is `tail` what follows "NAME.tmp-" in a temporary file's name: six
 * characters of mkostemp's, or the digits of a process id (the names of
 * earlier versions)? */
static int temporary_tail(const char *tail) {
  const char *alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  size_t len = strlen(tail);
  return (len == 6 && strspn(tail, alnum) == 6) || (len && strspn(tail, "0123456789") == len);
}

/* Removes the temporary files "NAME.tmp-*" of path that no writer holds
 * locked: those of writers killed in the middle. */
static void remove_stale_temporaries(const char *path) {
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  size_t base_len = strlen(base);
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    const char *name = e->d_name;
    if (strncmp(name, base, base_len) || strncmp(name + base_len, TMP_SUFFIX, strlen(TMP_SUFFIX)) ||
        !temporary_tail(name + base_len + strlen(TMP_SUFFIX)))
      continue;
    char full[4096 + 256];
    snprintf(full, sizeof full, "%s/%s", dir, name);
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) continue;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_SH | LOCK_NB) == 0)
      unlink(full);
    close(fd);
  }
  closedir(d);
}

/* Creates a new temporary file beside path ("path.tmp-XXXXXX" into *tmp,
 * malloc'd), locked for as long as it is open. Returns the descriptor, or -1. */
static int create_temporary(const char *path, char **tmp) {
  size_t n = strlen(path) + sizeof TMP_SUFFIX + 6;
  if (!(*tmp = malloc(n))) return -1;
  for (int attempt = 0; attempt < 8; attempt++) {
    snprintf(*tmp, n, "%s" TMP_SUFFIX "XXXXXX", path);
    int fd = mkostemp(*tmp, O_CLOEXEC);
    if (fd < 0) break;
    /* Between mkostemp and the lock another writer may take the file for a
     * stale one and remove it: then start again with a new name. */
    struct stat mine, named;
    if (flock(fd, LOCK_EX) != 0 && errno != ENOLCK && errno != EOPNOTSUPP && errno != EINVAL) {
      close(fd);
      break;
    }
    if (fstat(fd, &mine) == 0 && stat(*tmp, &named) == 0 && mine.st_dev == named.st_dev &&
        mine.st_ino == named.st_ino)
      return fd;
    close(fd);
  }
  int saved = errno;
  free(*tmp);
  *tmp = NULL;
  errno = saved;
  return -1;
}

/* Writes fill's bytes to fd through a stdio stream on a duplicate of it (fd
 * itself stays open), then flushes and, with `sync`, fsyncs. Returns 0, or
 * -1 with *step and msg saying what failed. */
static int fill_fd(int fd, int sync, AtomicFill fill, void *ctx, const char **step, char *msg,
                   size_t msglen) {
  msg[0] = 0;
  int copy = dup(fd);
  FILE *f = copy >= 0 ? fdopen(copy, "w") : NULL;
  if (!f) {
    if (copy >= 0) close(copy);
    *step = "opening";
    snprintf(msg, msglen, "%s", strerror(errno));
    return -1;
  }
  *step = "writing";
  errno = 0;
  int bad = fill(f, ctx, msg, msglen) != 0;
  bad = bad || fflush(f) != 0 || ferror(f);
  if (bad && !msg[0]) snprintf(msg, msglen, "%s", strerror(errno ? errno : EIO));
  if (!bad && sync && fsync(fd) != 0) {
    *step = "syncing";
    snprintf(msg, msglen, "%s", strerror(errno));
    bad = 1;
  }
  if (fclose(f) != 0 && !bad) {
    *step = "closing";
    snprintf(msg, msglen, "%s", strerror(errno));
    bad = 1;
  }
  return bad ? -1 : 0;
}

/* A regular file or a new name: a temporary file renamed over path.
 * Messages name `shown`, the path as given. */
static int write_replacing(const char *path, const char *shown, const struct stat *old,
                           const char *what,
                           AtomicFill fill, void *ctx, char *err, size_t errlen) {
  remove_stale_temporaries(path);
  char *tmp;
  int fd = create_temporary(path, &tmp);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", shown,
             strerror(errno));
    return -1;
  }
  fchmod(fd, old ? old->st_mode & 07777 : 0644);
  const char *step;
  char msg[256];
  int rc = fill_fd(fd, 1, fill, ctx, &step, msg, sizeof msg);
  if (rc == 0 && rename(tmp, path) != 0) {
    step = "renaming it into place";
    snprintf(msg, sizeof msg, "%s", strerror(errno));
    rc = -1;
  }
  if (rc == 0) {
    /* The rename is durable only once the directory is synced. */
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
  } else {
    unlink(tmp);
    snprintf(err, errlen, "%s: %s %s failed: %s", shown, step, what, msg);
  }
  close(fd); /* the lock goes only now, after the rename */
  free(tmp);
  return rc;
}

/* Anything but a regular file (a device, a FIFO): written to as it is.
 * Messages name `shown`, the path as given. */
static int write_directly(const char *path, const char *shown, const char *what, AtomicFill fill, void *ctx,
                          char *err, size_t errlen) {
  int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot write: %s", shown, strerror(errno));
    return -1;
  }
  const char *step;
  char msg[256];
  int rc = fill_fd(fd, 0, fill, ctx, &step, msg, sizeof msg);
  if (close(fd) != 0 && rc == 0) {
    step = "closing";
    snprintf(msg, sizeof msg, "%s", strerror(errno));
    rc = -1;
  }
  if (rc) snprintf(err, errlen, "%s: %s %s failed: %s", shown, step, what, msg);
  return rc;
}

int atomic_file_write(const char *path, const char *what, AtomicFill fill, void *ctx, char *err,
                      size_t errlen) {
  struct stat st;
  char *real = NULL; /* through a symbolic link, the file it names */
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) real = realpath(path, NULL);
  const char *target = real ? real : path;
  int exists = stat(target, &st) == 0, rc;
  if (exists && S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: is a directory", path);
    rc = -1;
  } else if (exists && !S_ISREG(st.st_mode)) {
    rc = write_directly(target, path, what, fill, ctx, err, errlen);
  } else {
    rc = write_replacing(target, path, exists ? &st : NULL, what, fill, ctx, err, errlen);
  }
  free(real);
  return rc;
}
