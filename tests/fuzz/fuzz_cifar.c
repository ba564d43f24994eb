/* fuzz_cifar.c — libFuzzer target for the CIFAR-10 loader (datasets/cifar10.h):
 * the checks of its six files (missing, empty, a size that is not a multiple
 * of 3,073 bytes, a label above 9) and the copy from colour planes to NHWC.
 * The first 6 input bytes give the files' sizes: b = 255 leaves file i out,
 * else it holds b % 3 records plus one stray byte when b / 3 % 4 == 3; its
 * bytes are the rest of the input, repeated as far as needed. The files go to
 * a directory made once per process. A refusal is one line naming the
 * directory's file; a loaded set holds every record, each label below 10 and
 * each pixel where cifar10.h says. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/cifar10.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FILES = CIFAR_TRAIN_FILES + 1, MAX_BYTES = 2 * CIFAR_RECORD_BYTES + 1 };

static char dir[64];

static void remove_dir(void) {
  for (int i = 0; i < FILES; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, cifar10_file_name(i));
    unlink(path);
  }
  rmdir(dir);
}

/* The directory, made on the first call and removed at exit. */
static const char *fuzz_dir(void) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/flipscope-fuzz-cifar-%ld", (long)getpid());
    assert(mkdir(dir, 0700) == 0);
    atexit(remove_dir);
  }
  return dir;
}

/* Writes file i of len bytes, byte j being body[(offset + j) % n] (0 without a body). */
static void write_file(int i, size_t len, const uint8_t *body, size_t n, size_t offset,
                       uint8_t *buf) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), cifar10_file_name(i));
  for (size_t j = 0; j < len; j++) buf[j] = n ? body[(offset + j) % n] : 0;
  FILE *f = fopen(path, "wb");
  assert(f);
  assert(fwrite(buf, 1, len, f) == len);
  assert(fclose(f) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < FILES) return 0;
  const uint8_t *body = data + FILES;
  size_t n = size - FILES, len[FILES], offset[FILES], records[2] = {0, 0}, at = 0;
  static uint8_t buf[MAX_BYTES];
  int whole = 1;
  for (int i = 0; i < FILES; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), cifar10_file_name(i));
    unlink(path);
    if (data[i] == 255) {
      whole = 0;
      continue;
    }
    len[i] = (size_t)(data[i] % 3) * CIFAR_RECORD_BYTES + (data[i] / 3 % 4 == 3);
    offset[i] = at;
    at += len[i];
    write_file(i, len[i], body, n, offset[i], buf);
    if (len[i] == 0 || len[i] % CIFAR_RECORD_BYTES) whole = 0;
    records[i == CIFAR_TRAIN_FILES] += len[i] / CIFAR_RECORD_BYTES;
  }
  Dataset d;
  char err[512] = "";
  if (cifar10_load_dir(fuzz_dir(), &d, err, sizeof err)) {
    assert(strstr(err, fuzz_dir()) && !strchr(err, '\n'));
    return 0;
  }
  assert(whole);
  const DataSplit *split[2] = {&d.train, &d.test};
  size_t first_file[2] = {0, CIFAR_TRAIN_FILES};
  for (int s = 0; s < 2; s++) {
    const DataSplit *p = split[s];
    assert(p->n == records[s] && p->dim == CIFAR_DIM && p->classes == CIFAR_CLASSES);
    assert(p->width == CIFAR_SIDE && p->height == CIFAR_SIDE && p->channels == CIFAR_CHANNELS);
    for (size_t r = 0; r < p->n; r++) assert(p->labels[r] < CIFAR_CLASSES);
    /* The first record of the split's first file: its label, then plane c's
     * byte y * 32 + x at feature (y * 32 + x) * 3 + c. */
    size_t o = offset[first_file[s]];
    assert(p->labels[0] == (n ? body[o % n] : 0));
    for (size_t k = 0; k < CIFAR_PIXELS; k++)
      for (size_t c = 0; c < CIFAR_CHANNELS; c++)
        assert(p->x_u8[k * CIFAR_CHANNELS + c] ==
               (n ? body[(o + 1 + c * CIFAR_PIXELS + k) % n] : 0));
  }
  dataset_free(&d);
  return 0;
}
