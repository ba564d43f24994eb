/* files.h — whole files written and read by tests, failing the test (naming
 * the file) when a write or a read does not happen. */
#ifndef FLIPSCOPE_TESTS_FILES_H
#define FLIPSCOPE_TESTS_FILES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes len bytes to path, replacing what it held. */
static inline void file_write(const char *path, const void *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  cr_assert(f, "cannot create %s", path);
  cr_assert_eq(len ? fwrite(bytes, 1, len, f) : 0, len, "cannot write %s", path);
  cr_assert_eq(fclose(f), 0, "cannot write %s", path);
}

/* Writes text to path, replacing what it held. */
static inline void file_write_text(const char *path, const char *text) {
  file_write(path, text, strlen(text));
}

/* The whole file with a NUL after it, malloc'd, its length in *len (when len
 * is not NULL); NULL when it cannot be opened. */
static inline char *file_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  cr_assert_eq(got, (size_t)n, "%s: read %zu of %ld bytes", path, got, n);
  buf[got] = 0;
  if (len) *len = got;
  return buf;
}

/* file_read of a file that must be there: fails the test when it is not. */
static inline char *file_read_or_fail(const char *path, size_t *len) {
  char *text = file_read(path, len);
  cr_assert(text, "cannot open %s", path);
  return text;
}

#endif
