/* input_file.c — regular input files, opened without blocking and read with
 * a bound (input_file.h). */
#include "datasets/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a file that is not a regular one is, for a message. */
static const char *file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

int input_open(const char *path, struct stat *st, char *err, size_t errlen) {
  /* O_NONBLOCK: opening a FIFO without a writer (or a device) must not wait. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, st) != 0)
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
  else if (!S_ISREG(st->st_mode))
    snprintf(err, errlen, "%s: not a regular file (%s)", path, file_kind(st->st_mode));
  else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
  else
    return fd;
  close(fd);
  return -1;
}

/* "2 GB", "1 MB" or "N bytes": a size limit for a message. */
static void format_limit(size_t max, char *buf, size_t len) {
  if (max >= ((size_t)1 << 30) && max % ((size_t)1 << 30) == 0)
    snprintf(buf, len, "%zu GB", max >> 30);
  else if (max >= ((size_t)1 << 20) && max % ((size_t)1 << 20) == 0)
    snprintf(buf, len, "%zu MB", max >> 20);
  else
    snprintf(buf, len, "%zu bytes", max);
}

/* Reads fd to its end into a buffer of at most max + 1 bytes (then the file
 * is too large). Returns 0, or an errno value (EFBIG: larger than max). */
static int read_bounded(int fd, size_t size_hint, size_t max, char **text, size_t *len) {
  size_t cap = (size_hint < max ? size_hint : max) + 1, n = 0; /* +1: sees growth */
  char *buf = malloc(cap + 1);
  if (!buf) return ENOMEM;
  for (;;) {
    if (n == cap) {
      if (cap > max) {
        free(buf);
        return EFBIG;
      }
      size_t cap2 = cap <= (max + 1) / 2 ? 2 * cap : max + 1;
      char *bigger = realloc(buf, cap2 + 1);
      if (!bigger) {
        free(buf);
        return ENOMEM;
      }
      buf = bigger, cap = cap2;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int e = errno;
      free(buf);
      return e;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  buf[n] = 0;
  *text = buf;
  *len = n;
  return 0;
}

int input_read(const char *path, size_t max, char **text, size_t *len, char *err, size_t errlen) {
  *text = NULL;
  *len = 0;
  struct stat st;
  int fd = input_open(path, &st, err, errlen);
  if (fd < 0) return -1;
  int e = (uintmax_t)st.st_size > max ? EFBIG : read_bounded(fd, (size_t)st.st_size, max, text, len);
  close(fd);
  if (!e) return 0;
  char limit[32];
  format_limit(max, limit, sizeof limit);
  if (e == EFBIG) snprintf(err, errlen, "%s: larger than %s", path, limit);
  else snprintf(err, errlen, "%s: %s", path, strerror(e));
  return -1;
}
