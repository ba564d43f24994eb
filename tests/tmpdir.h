/* tmpdir.h — a fresh temporary directory per test (a Criterion suite's .init),
 * removed with everything in it afterwards (.fini). */
#ifndef FLIPSCOPE_TESTS_TMPDIR_H
#define FLIPSCOPE_TESTS_TMPDIR_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>

/* The current test's directory. */
static char tmp[64];

static inline void tmpdir_make(void) {
  strcpy(tmp, "/tmp/flipscope-test-XXXXXX");
  cr_assert(mkdtemp(tmp), "mkdtemp failed");
}

static inline int tmpdir_remove_entry(const char *path, const struct stat *st, int flag,
                                      struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static inline void tmpdir_remove(void) {
  nftw(tmp, tmpdir_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* tmp/name in a static buffer; the last six stay valid. */
static inline const char *in_tmp(const char *name) {
  static char bufs[6][256];
  static int next;
  char *p = bufs[next++ % 6];
  snprintf(p, sizeof bufs[0], "%s/%s", tmp, name);
  return p;
}

#endif
