/* membuf.h — a growing byte buffer and a checkpoint sink (CkptSink) that
 * appends to it, for the checkpoint tests and the checkpoint fuzz target. */
#ifndef FLIPSCOPE_TESTS_MEMBUF_H
#define FLIPSCOPE_TESTS_MEMBUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t *data;
  size_t len, cap;
} Buf;

/* Appends len bytes; -1 (the sink's failure) when memory runs out. */
static inline int to_buf(void *ctx, const void *data, size_t len) {
  Buf *b = ctx;
  if (b->len + len > b->cap) {
    size_t cap = 2 * (b->len + len);
    uint8_t *bigger = realloc(b->data, cap);
    if (!bigger) return -1;
    b->data = bigger;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}

#endif
