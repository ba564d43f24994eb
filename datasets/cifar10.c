/* cifar10.c — reads CIFAR-10 binary directories (see cifar10.h).
 *
 * Every file is opened and its size checked before anything is allocated;
 * then each is read in chunks of records, every label checked and every
 * image turned from three colour planes into NHWC bytes.
 */
#include "engine/error.h"
#include "datasets/cifar10.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/input_file.h"

#define FILES (CIFAR_TRAIN_FILES + 1)
#define CHUNK_RECORDS 1024 /* read at a time: about 3 MB */

static const char *const file_names[FILES] = {"data_batch_1.bin", "data_batch_2.bin",
                                              "data_batch_3.bin", "data_batch_4.bin",
                                              "data_batch_5.bin", "test_batch.bin"};

const char *cifar10_file_name(int i) { return file_names[i]; }

typedef struct {
  char path[PATH_MAX];
  int fd;          /* -1 when not open */
  size_t records;
} CifarFile;

/* Opens dir/name and checks its size: a positive multiple of the record. */
static int open_file(const char *dir, const char *name, CifarFile *f, char *err, size_t errlen) {
  struct stat st;
  int w = snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
  if (w < 0 || (size_t)w >= sizeof f->path) return error_fail(err, errlen, "%s: path too long", dir);
  if ((f->fd = input_open(f->path, &st, err, errlen)) < 0) return -1;
  uintmax_t size = (uintmax_t)st.st_size;
  if (size == 0 || size % CIFAR_RECORD_BYTES)
    return error_fail(err, errlen,
                "%s: %ju bytes is not a positive multiple of %d (a record is 1 label byte and %d "
                "pixel bytes)", f->path, size, CIFAR_RECORD_BYTES, CIFAR_DIM);
  f->records = (size_t)(size / CIFAR_RECORD_BYTES);
  return 0;
}

/* Reads up to len bytes of fd into buf; *got is what arrived before the end.
 * Returns 0, or an errno value. */
static int read_full(int fd, uint8_t *buf, size_t len, size_t *got) {
  *got = 0;
  while (*got < len) {
    ssize_t n = read(fd, buf + *got, len - *got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    *got += (size_t)n;
  }
  return 0;
}

/* One record's pixels, three planes of CIFAR_PIXELS bytes (R, G, B), into
 * NHWC: dst[p * 3 + c] = src[c * 1024 + p] for pixel p = y * 32 + x. */
static void planes_to_nhwc(const uint8_t *src, uint8_t *dst) {
  for (size_t p = 0; p < CIFAR_PIXELS; p++)
    for (size_t c = 0; c < CIFAR_CHANNELS; c++)
      dst[p * CIFAR_CHANNELS + c] = src[c * CIFAR_PIXELS + p];
}

/* Reads file f's records into x (records x CIFAR_DIM) and labels, through
 * buf (CHUNK_RECORDS records). */
static int read_file(const CifarFile *f, uint8_t *x, uint8_t *labels, uint8_t *buf, char *err,
                     size_t errlen) {
  const size_t bytes = f->records * CIFAR_RECORD_BYTES;
  for (size_t done = 0; done < f->records;) {
    size_t k = f->records - done < CHUNK_RECORDS ? f->records - done : CHUNK_RECORDS, got;
    int e = read_full(f->fd, buf, k * CIFAR_RECORD_BYTES, &got);
    if (e) return error_fail(err, errlen, "%s: %s", f->path, strerror(e));
    if (got < k * CIFAR_RECORD_BYTES)
      return error_fail(err, errlen, "%s: truncated at byte %zu of %zu (it shrank while read)", f->path,
                  done * CIFAR_RECORD_BYTES + got, bytes);
    for (size_t i = 0; i < k; i++) {
      const uint8_t *record = buf + i * CIFAR_RECORD_BYTES;
      size_t r = done + i;
      if (record[0] >= CIFAR_CLASSES)
        return error_fail(err, errlen, "%s: record %zu (byte %zu): label %u is not in 0..%d", f->path,
                    r, r * CIFAR_RECORD_BYTES, record[0], CIFAR_CLASSES - 1);
      labels[r] = record[0];
      planes_to_nhwc(record + 1, x + r * CIFAR_DIM);
    }
    done += k;
  }
  return 0;
}

/* Opens every file; n[0] and n[1] get the training and test records. */
static int open_all(const char *dir, CifarFile f[FILES], size_t n[2], char *err, size_t errlen) {
  struct stat st;
  if (stat(dir, &st) != 0) return error_fail(err, errlen, "%s: %s", dir, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return error_fail(err, errlen, "%s: not a directory", dir);
  n[0] = n[1] = 0;
  for (int i = 0; i < FILES; i++) {
    if (open_file(dir, file_names[i], &f[i], err, errlen)) return -1;
    size_t *split = &n[i == FILES - 1];
    if (f[i].records > CIFAR_MAX_RECORDS - *split)
      return error_fail(err, errlen, "%s: the %s split would hold more than %zu records", f[i].path,
                  i == FILES - 1 ? "test" : "training", CIFAR_MAX_RECORDS);
    *split += f[i].records;
  }
  return 0;
}

int cifar10_load_dir(const char *dir, Dataset *out, char *err, size_t errlen) {
  CifarFile f[FILES];
  for (int i = 0; i < FILES; i++) f[i].fd = -1;
  size_t n[2];
  uint8_t *storage = NULL, *buf = NULL;
  int rc = -1;
  if (open_all(dir, f, n, err, errlen)) goto done;
  const size_t total = n[0] + n[1];
  storage = malloc(total * CIFAR_RECORD_BYTES + 1);
  buf = malloc((size_t)CHUNK_RECORDS * CIFAR_RECORD_BYTES);
  if (!storage || !buf) {
    error_fail(err, errlen, "%s: out of memory (%.0f MB)", dir,
         (double)total * CIFAR_RECORD_BYTES / 1048576.0);
    goto done;
  }
  uint8_t *x = storage, *labels = storage + total * CIFAR_DIM;
  size_t first = 0;
  for (int i = 0; i < FILES; first += f[i++].records)
    if (read_file(&f[i], x + first * CIFAR_DIM, labels + first, buf, err, errlen)) goto done;
  for (int s = 0; s < 2; s++) {
    first = s ? n[0] : 0;
    DataSplit *split = s ? &out->test : &out->train;
    *split = (DataSplit){.n = n[s], .dim = CIFAR_DIM, .classes = CIFAR_CLASSES,
                         .x_u8 = x + first * CIFAR_DIM, .labels = labels + first,
                         .width = CIFAR_SIDE, .height = CIFAR_SIDE, .channels = CIFAR_CHANNELS};
    for (int c = 0; c < CIFAR_CHANNELS; c++) split->u8_scale[c] = 1.0f / 255.0f;
  }
  memset(&out->val, 0, sizeof out->val);
  out->storage = storage;
  storage = NULL;
  rc = 0;
done:
  free(buf);
  free(storage);
  for (int i = 0; i < FILES; i++)
    if (f[i].fd >= 0) close(f[i].fd);
  return rc;
}
