/* idx.c — reads IDX files (raw, or gzip told apart by its magic bytes) and
 * loads MNIST-style directories of them into a Dataset.
 *
 * A file is read into memory whole (so a file that shrinks while it is loaded
 * is a truncated file, not a crash) and decoded from there into the caller's
 * buffer. A directory's train images (the bulk of the work) are decoded on a
 * second thread while the other three files are decoded.
 */
#define ZLIB_CONST
#include "engine/error.h"
#include "datasets/idx.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "datasets/input_file.h"
#include "datasets/split.h"

enum { STREAM_RUNNING, STREAM_ENDED, STREAM_CUT }; /* IdxFile.z_state */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Delivers the next n bytes of the IDX stream into dst and sets *got; fewer
 * than n means the stream ended. Returns -1 only for a gzip error. */
static int stream_read(IdxFile *f, uint8_t *dst, size_t n, size_t *got, char *err,
                       size_t errlen) {
  if (!f->z) {
    size_t k = f->map_len - f->pos < n ? f->map_len - f->pos : n;
    if (k) memcpy(dst, f->map + f->pos, k);
    f->pos += k;
    *got = k;
    return 0;
  }
  z_stream *z = f->z;
  z->next_out = dst;
  z->avail_out = (uInt)n; /* n <= IDX_MAX_BYTES */
  while (z->avail_out > 0 && f->z_state == STREAM_RUNNING) {
    int rc = inflate(z, Z_NO_FLUSH);
    size_t at_in = (size_t)(z->next_in - f->map);
    if (rc == Z_STREAM_END) {
      if (z->avail_in == 0)
        f->z_state = STREAM_ENDED;
      else if (z->avail_in >= 2 && z->next_in[0] == 0x1f && z->next_in[1] == 0x8b)
        inflateReset(z); /* another gzip member follows */
      else
        return error_fail(err, errlen,
                    "%s: trailing garbage after the gzip stream at compressed byte %zu of %zu",
                    f->path, at_in, f->map_len);
    } else if (rc == Z_BUF_ERROR) { /* all input consumed, stream unfinished */
      f->z_state = STREAM_CUT;
    } else if (rc != Z_OK) {
      return error_fail(err, errlen, "%s: gzip: %s at byte %zu (compressed byte %zu)", f->path,
                  z->msg ? z->msg : zError(rc), f->pos + (n - z->avail_out), at_in);
    }
  }
  *got = n - z->avail_out;
  f->pos += *got;
  return 0;
}

/* Reads exactly n bytes of the IDX stream or fails saying where it ended;
 * `total` is the stream length known so far. */
static int read_exact(IdxFile *f, uint8_t *dst, size_t n, size_t total, char *err,
                      size_t errlen) {
  size_t got;
  if (stream_read(f, dst, n, &got, err, errlen)) return -1;
  if (got == n) return 0;
  if (f->pos == 0 && f->z_state != STREAM_CUT)
    return error_fail(err, errlen, "%s: empty file", f->path);
  return error_fail(err, errlen, "%s: truncated at byte %zu of %zu%s", f->path, f->pos, total,
              f->z_state == STREAM_CUT ? " (gzip stream cut off)" : "");
}

static int read_header(IdxFile *f, unsigned ndims, char *err, size_t errlen) {
  uint8_t h[4 * (1 + IDX_MAX_DIMS)];
  size_t hdr = 4 + 4 * (size_t)ndims;
  if (read_exact(f, h, 4, hdr, err, errlen)) return -1;
  if (h[0] || h[1])
    return error_fail(err, errlen,
                "%s: bad magic 0x%08x at byte 0 (an IDX file starts with two zero bytes)",
                f->path, (unsigned)be32(h));
  if (h[2] != 0x08)
    return error_fail(err, errlen,
                "%s: byte 2: data type 0x%02x is not supported (expected 0x08, unsigned byte)",
                f->path, h[2]);
  if (h[3] != ndims)
    return error_fail(err, errlen, "%s: byte 3: %u dimensions, expected %u", f->path, h[3], ndims);
  if (read_exact(f, h + 4, hdr - 4, hdr, err, errlen)) return -1;
  f->size = 1;
  for (unsigned k = 0; k < ndims; k++) {
    uint32_t d = be32(h + 4 + 4 * k);
    if (d == 0) return error_fail(err, errlen, "%s: byte %u: dimension %u is 0", f->path, 4 + 4 * k, k);
    if (d > IDX_MAX_BYTES / f->size)
      return error_fail(err, errlen, "%s: byte %u: dimensions multiply to more than %zu bytes", f->path,
                  4 + 4 * k, IDX_MAX_BYTES);
    f->dims[k] = d;
    f->size *= d;
  }
  f->ndims = ndims;
  return 0;
}

static int setup_stream(IdxFile *f, char *err, size_t errlen);

/* Reads the whole file and, when it starts with the gzip magic, sets up inflate. */
static int load_file(IdxFile *f, char *err, size_t errlen) {
  char *text;
  size_t len;
  if (input_read(f->path, IDX_MAX_BYTES + 4 * (1 + IDX_MAX_DIMS), &text, &len, err, errlen))
    return -1;
  f->map = (const uint8_t *)text;
  f->map_len = len;
  f->owned = 1;
  return setup_stream(f, err, errlen);
}

/* Sets up inflate when the bytes start with the gzip magic. */
static int setup_stream(IdxFile *f, char *err, size_t errlen) {
  if (f->map_len < 2 || f->map[0] != 0x1f || f->map[1] != 0x8b) return 0;

  z_stream *z = calloc(1, sizeof *z);
  if (!z || inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {
    free(z);
    return error_fail(err, errlen, "%s: out of memory", f->path);
  }
  z->next_in = f->map;
  z->avail_in = (uInt)f->map_len;
  f->z = z;
  return 0;
}

int idx_open(IdxFile *f, const char *path, unsigned ndims, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  f->path = path;
  if (ndims < 1 || ndims > IDX_MAX_DIMS)
    return error_fail(err, errlen, "%s: cannot read %u-dimensional IDX data", path, ndims);
  if (load_file(f, err, errlen) == 0 && read_header(f, ndims, err, errlen) == 0) return 0;
  idx_close(f);
  return -1;
}

int idx_open_mem(IdxFile *f, const char *name, const uint8_t *data, size_t len, unsigned ndims,
                 char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  f->path = name;
  if (ndims < 1 || ndims > IDX_MAX_DIMS)
    return error_fail(err, errlen, "%s: cannot read %u-dimensional IDX data", name, ndims);
  f->map = len ? data : NULL;
  f->map_len = len;
  if (len > IDX_MAX_BYTES + 4 * (1 + IDX_MAX_DIMS))
    error_fail(err, errlen, "%s: too large for an IDX file", name);
  else if (setup_stream(f, err, errlen) == 0 && read_header(f, ndims, err, errlen) == 0)
    return 0;
  idx_close(f);
  return -1;
}

/* Deflate expands at most 1032:1, so a gzip file shorter than this cannot
 * hold the payload its header announces. */
#define GZIP_MAX_RATIO 1032

int idx_check_size(const IdxFile *f, char *err, size_t errlen) {
  size_t end = f->pos + f->size;
  if (!f->z && f->size > f->map_len - f->pos)
    return error_fail(err, errlen, "%s: truncated at byte %zu of %zu", f->path, f->map_len, end);
  if (f->z && f->size / GZIP_MAX_RATIO > f->map_len)
    return error_fail(err, errlen,
                "%s: truncated: %zu compressed bytes cannot hold the %zu bytes the header announces",
                f->path, f->map_len, end);
  return 0;
}

int idx_read(IdxFile *f, uint8_t *dst, char *err, size_t errlen) {
  size_t end = f->pos + f->size, got;
  uint8_t extra;
  if (read_exact(f, dst, f->size, end, err, errlen)) return -1;
  if (stream_read(f, &extra, 1, &got, err, errlen)) return -1;
  if (got)
    return error_fail(err, errlen,
                "%s: trailing garbage after byte %zu, where the header says the data ends",
                f->path, end);
  if (f->z_state == STREAM_CUT)
    return error_fail(err, errlen,
                "%s: gzip stream cut off at compressed byte %zu (data complete, checksum missing)",
                f->path, f->map_len);
  return 0;
}

void idx_close(IdxFile *f) {
  if (f->z) {
    inflateEnd(f->z);
    free(f->z);
  }
  if (f->owned) free((void *)f->map);
  memset(f, 0, sizeof *f);
}

/* ---- MNIST-style directories ---- */

enum { TRAIN_X, TRAIN_Y, TEST_X, TEST_Y, NFILES };
static const char *const file_names[NFILES] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
static const unsigned file_dims[NFILES] = {3, 1, 3, 1};

const char *idx_dir_file_name(int i) { return file_names[i]; }

/* Sets path to dir/name, or else dir/name.gz, whichever is a regular file;
 * failing that, to the first of them that exists at all (which idx_open then
 * refuses, saying what it is). Returns 0, 1 when what it found is not a
 * regular file, or -1 when neither exists. */
static int find_file(const char *dir, const char *name, char *path, size_t len) {
  static const char *const suffixes[] = {"", ".gz"};
  int found = -1;
  for (size_t i = 0; i < 2; i++) {
    struct stat st;
    char candidate[PATH_MAX];
    int w = snprintf(candidate, sizeof candidate, "%s/%s%s", dir, name, suffixes[i]);
    if (w <= 0 || (size_t)w >= sizeof candidate || (size_t)w >= len || stat(candidate, &st) != 0)
      continue;
    if (S_ISREG(st.st_mode) || found < 0) snprintf(path, len, "%s", candidate);
    if (S_ISREG(st.st_mode)) return 0;
    found = 1;
  }
  return found;
}

int idx_dir_available(const char *dir) {
  char path[PATH_MAX];
  for (int i = 0; i < NFILES; i++)
    if (find_file(dir, file_names[i], path, sizeof path) != 0) return 0;
  return 1;
}

/* Image and label counts agree within each split; image sizes across splits. */
static int check_shapes(IdxFile f[NFILES], char *err, size_t errlen) {
  for (int x = TRAIN_X; x <= TEST_X; x += 2)
    if (f[x + 1].dims[0] != f[x].dims[0])
      return error_fail(err, errlen, "%s: %u labels but %s has %u images", f[x + 1].path,
                  (unsigned)f[x + 1].dims[0], f[x].path, (unsigned)f[x].dims[0]);
  if (f[TEST_X].dims[1] != f[TRAIN_X].dims[1] || f[TEST_X].dims[2] != f[TRAIN_X].dims[2])
    return error_fail(err, errlen, "%s: images are %ux%u but %s has %ux%u", f[TEST_X].path,
                (unsigned)f[TEST_X].dims[1], (unsigned)f[TEST_X].dims[2], f[TRAIN_X].path,
                (unsigned)f[TRAIN_X].dims[1], (unsigned)f[TRAIN_X].dims[2]);
  return 0;
}

typedef struct {
  IdxFile *f;
  uint8_t *dst;
  int rc;
  char err[512];
} ReadJob;

static void *read_job(void *arg) {
  ReadJob *j = arg;
  j->rc = idx_read(j->f, j->dst, j->err, sizeof j->err);
  return NULL;
}

/* Reads all four payloads into dst[], the train images on a second thread. */
static int read_all(IdxFile f[NFILES], uint8_t *dst[NFILES], char *err, size_t errlen) {
  ReadJob job = {.f = &f[TRAIN_X], .dst = dst[TRAIN_X]};
  pthread_t thread;
  int threaded = pthread_create(&thread, NULL, read_job, &job) == 0;
  if (!threaded) read_job(&job);
  int rc = 0;
  for (int i = TRAIN_Y; i < NFILES && rc == 0; i++) rc = idx_read(&f[i], dst[i], err, errlen);
  if (threaded) pthread_join(thread, NULL);
  if (job.rc) return error_fail(err, errlen, "%s", job.err);
  return rc;
}

/* The classes of a directory's labels: 1 + the largest label, when every
 * class below it has a record and there are at least two. Otherwise fails
 * naming the first record past the gap (or the one class). */
static int count_classes(IdxFile f[NFILES], uint8_t *dst[NFILES], size_t *classes, char *err,
                         size_t errlen) {
  size_t counts[SPLIT_MAX_CLASSES] = {0};
  for (int y = TRAIN_Y; y < NFILES; y += 2)
    for (size_t i = 0; i < f[y].size; i++) counts[dst[y][i]]++;
  size_t distinct = 0, top = 0;
  for (unsigned c = 0; c < SPLIT_MAX_CLASSES; c++)
    if (counts[c]) distinct++, top = c;
  if (distinct < 2)
    return error_fail(err, errlen, "%s: every record of it and of %s has label %zu; at least two "
                "classes are needed", f[TRAIN_Y].path, f[TEST_Y].path, top);
  unsigned lo, hi;
  if (split_classes_gap(counts, &lo, &hi)) {
    char missing[16];
    snprintf(missing, sizeof missing, lo == hi ? "%u" : "%u..%u", lo, hi);
    for (int y = TRAIN_Y; y < NFILES; y += 2)
      for (size_t i = 0; i < f[y].size; i++)
        if (dst[y][i] == hi + 1)
          return error_fail(err, errlen,
                      "%s: record %zu (byte %zu) has label %u, but no record of %s or %s has "
                      "label %s: classes must be 0..N-1 with none empty",
                      f[y].path, i, f[y].pos - f[y].size + i, hi + 1, f[TRAIN_Y].path,
                      f[TEST_Y].path, missing);
  }
  *classes = top + 1;
  return 0;
}

int idx_load_dir(const char *dir, Dataset *out, char *err, size_t errlen) {
  char paths[NFILES][PATH_MAX];
  IdxFile f[NFILES];
  memset(f, 0, sizeof f);
  struct stat st;
  if (stat(dir, &st) != 0) return error_fail(err, errlen, "%s: %s", dir, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return error_fail(err, errlen, "%s: not a directory", dir);
  for (int i = 0; i < NFILES; i++)
    if (find_file(dir, file_names[i], paths[i], sizeof paths[i]) < 0)
      return error_fail(err, errlen, "%s: missing %s (or %s.gz)", dir, file_names[i], file_names[i]);

  int rc = -1;
  uint8_t *storage = NULL, *dst[NFILES];
  for (int i = 0; i < NFILES; i++)
    if (idx_open(&f[i], paths[i], file_dims[i], err, errlen)) goto done;
  if (check_shapes(f, err, errlen)) goto done;
  for (int i = 0; i < NFILES; i++)
    if (idx_check_size(&f[i], err, errlen)) goto done;
  size_t total = 0;
  for (int i = 0; i < NFILES; i++) total += f[i].size;
  if (!(storage = malloc(total))) {
    error_fail(err, errlen, "%s: out of memory (%zu bytes)", dir, total);
    goto done;
  }
  for (int i = 0; i < NFILES; i++) dst[i] = i ? dst[i - 1] + f[i - 1].size : storage;
  if (read_all(f, dst, err, errlen)) goto done;

  size_t classes = 0;
  if (count_classes(f, dst, &classes, err, errlen)) goto done;
  DataSplit *splits[2] = {&out->train, &out->test};
  for (int s = 0; s < 2; s++) {
    const IdxFile *x = &f[2 * s];
    *splits[s] = (DataSplit){.n = x->dims[0],
                             .dim = (size_t)x->dims[1] * x->dims[2],
                             .classes = classes,
                             .x_u8 = dst[2 * s],
                             .u8_scale = {2.0f / 255.0f}, /* bytes 0..255 -> [-1, 1] */
                             .u8_offset = {-1.0f},
                             .labels = dst[2 * s + 1],
                             .width = x->dims[2],
                             .height = x->dims[1],
                             .channels = 1};
  }
  out->storage = storage;
  storage = NULL;
  rc = 0;
done:
  free(storage);
  for (int i = 0; i < NFILES; i++) idx_close(&f[i]);
  return rc;
}
