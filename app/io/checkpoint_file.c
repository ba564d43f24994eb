/* checkpoint_file.c — checkpoint writes (app/io/atomic_file.h) and whole-file reads. */
#include "app/io/checkpoint_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/io/atomic_file.h"
#include "datasets/input_file.h"

/* Checkpoints larger than this are taken as something else. */
#define CKPT_FILE_MAX ((size_t)1 << 40)

/* CkptSink onto a stdio stream. */
static int write_to_stream(void *ctx, const void *data, size_t len) {
  return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

typedef struct {
  Trainer *t;
  const CkptExtra *extra;
} SaveJob;

/* AtomicFill: the checkpoint's bytes. */
static int fill_checkpoint(FILE *f, void *ctx, char *msg, size_t msglen) {
  const SaveJob *job = ctx;
  char why[256];
  if (checkpoint_write(job->t, job->extra, write_to_stream, f, why, sizeof why) == 0) return 0;
  if (!ferror(f)) snprintf(msg, msglen, "%s", why); /* else errno tells the failed write */
  return -1;
}

int ckpt_file_save(Trainer *t, const char *path, const CkptExtra *extra, char *err, size_t errlen) {
  SaveJob job = {t, extra};
  return atomic_file_write(path, "the checkpoint", fill_checkpoint, &job, err, errlen);
}

int ckpt_file_open(CkptFile *f, const char *path, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  char *text;
  size_t len;
  if (input_read(path, CKPT_FILE_MAX, &text, &len, err, errlen)) return -1;
  if (len == 0) {
    free(text);
    snprintf(err, errlen, "%s: empty file (0 bytes; truncated?)", path);
    return -1;
  }
  f->data = (const uint8_t *)text, f->len = len;
  return 0;
}

void ckpt_file_close(CkptFile *f) {
  free((void *)f->data);
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
