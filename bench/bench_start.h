/* bench_start.h — how every C benchmark starts: OpenBLAS's kernels for this
 * CPU, the thread count from argv[1] or $FLIPSCOPE_THREADS (default 2), and
 * the engine's thread pool of that size. */
#ifndef FLIPSCOPE_BENCH_START_H
#define FLIPSCOPE_BENCH_START_H

#include <stdio.h>
#include <stdlib.h>

#include "app/system/blas_setup.h"
#include "engine/parallel.h"

/* Returns 0 with *threads set, or the exit status after one line on stderr
 * naming the benchmark: 2 for a bad thread count, 1 if the pool cannot start. */
static inline int bench_start(int argc, char **argv, const char *name, int *threads) {
  blas_select_kernels(argv); /* may re-exec with OPENBLAS_CORETYPE set */
  const char *arg = argc > 1 ? argv[1] : getenv("FLIPSCOPE_THREADS");
  *threads = arg && *arg ? atoi(arg) : 2;
  if (*threads < 1 || *threads > PAR_MAX_THREADS) {
    fprintf(stderr, "%s: threads must be 1..%d, got \"%s\"\n", name, PAR_MAX_THREADS, arg);
    return 2;
  }
  if (par_init(*threads) != 0) {
    fprintf(stderr, "%s: cannot start %d threads\n", name, *threads);
    return 1;
  }
  return 0;
}

#endif
