/* idx.h — IDX files (the MNIST format), raw or gzipped, and MNIST-style
 * directories of them.
 *
 * An IDX file is a 4-byte big-endian magic (0, 0, data type, dimension count),
 * one big-endian uint32 per dimension, then the payload. Only unsigned bytes
 * (type 0x08) are read. Every error is one line naming the file and the byte
 * position in the (decompressed) IDX stream.
 */
#ifndef FLIPSCOPE_IDX_H
#define FLIPSCOPE_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/dataset.h"

#define IDX_MAX_DIMS 3
/* Payloads larger than this are taken as a corrupt header. */
#define IDX_MAX_BYTES ((size_t)1 << 31)

/* An open IDX file whose header has been read and checked. */
typedef struct {
  uint32_t dims[IDX_MAX_DIMS];
  unsigned ndims;
  size_t size;           /* payload bytes: the product of dims */
  /* private */
  const char *path;      /* the caller's string, kept until idx_close */
  const uint8_t *map;    /* the whole file, read into memory (or the caller's bytes) */
  size_t map_len;
  int owned;             /* map is ours to free */
  size_t pos;            /* bytes of the IDX stream delivered so far */
  int z_state;           /* gzip: running, ended, or input exhausted */
  struct z_stream_s *z;  /* zlib inflate state; NULL for a raw file */
} IdxFile;

/* Opens `path` and reads its header, which must declare unsigned bytes in
 * `ndims` dimensions (1..IDX_MAX_DIMS), each nonzero. Returns 0, or -1 with
 * err set and nothing left to close. */
int idx_open(IdxFile *f, const char *path, unsigned ndims, char *err, size_t errlen);
/* The same on len bytes in memory (which must outlive f); `name` stands for
 * the file in messages. */
int idx_open_mem(IdxFile *f, const char *name, const uint8_t *data, size_t len, unsigned ndims,
                 char *err, size_t errlen);
/* Refuses, before anything is allocated for it, a payload the file is too
 * short to hold (raw: fewer bytes left; gzip: beyond deflate's ratio). */
int idx_check_size(const IdxFile *f, char *err, size_t errlen);
/* Reads the f->size payload bytes into dst and checks that the file ends there. */
int idx_read(IdxFile *f, uint8_t *dst, char *err, size_t errlen);
/* Releases f; safe on a zeroed or already closed IdxFile. */
void idx_close(IdxFile *f);

/* The name of file i (0..3) of an MNIST-style directory, without ".gz". */
const char *idx_dir_file_name(int i);
/* True when dir holds the four MNIST files (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte),
 * each raw or with a .gz suffix. */
int idx_dir_available(const char *dir);
/* Loads such a directory: pixels as bytes mapped to [-1, 1], classes = the
 * largest label + 1. Labels must number at least two classes, with a record
 * for every class up to the largest. Sets everything in *out except
 * out->name. */
int idx_load_dir(const char *dir, Dataset *out, char *err, size_t errlen);

#endif
