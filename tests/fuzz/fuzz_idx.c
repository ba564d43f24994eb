/* fuzz_idx.c — libFuzzer target for the IDX reader (raw and gzip): header
 * checks, the size check before allocation, and the payload read.
 * The first input byte picks the dimension count (1..3); the rest is the file. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every message is one line naming the file. */
static void check_message(const char *err) {
  assert(strncmp(err, "fuzz.idx", 8) == 0);
  assert(!strchr(err, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned ndims = 1 + data[0] % IDX_MAX_DIMS;
  IdxFile f;
  char err[512] = "";
  if (idx_open_mem(&f, "fuzz.idx", data + 1, size - 1, ndims, err, sizeof err)) {
    check_message(err);
    return 0;
  }
  assert(f.ndims == ndims && f.size > 0);
  if (idx_check_size(&f, err, sizeof err)) {
    check_message(err);
  } else if (f.size <= ((size_t)64 << 20)) {
    uint8_t *dst = malloc(f.size);
    assert(dst);
    if (idx_read(&f, dst, err, sizeof err)) check_message(err);
    free(dst);
  }
  idx_close(&f);
  return 0;
}
