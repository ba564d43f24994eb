/* test_parallel.c — the thread pool: chunking, every index once, resizing. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "engine/parallel.h"

typedef struct {
  unsigned char seen[10007];
  size_t chunk_starts[PAR_MAX_THREADS];
  size_t chunk;
} Marks;

static void mark(void *ctx, size_t begin, size_t end) {
  Marks *m = ctx;
  m->chunk_starts[begin / m->chunk] = begin + 1;
  for (size_t i = begin; i < end; i++) m->seen[i]++;
}

static void run_and_check(size_t n, size_t grain) {
  static Marks m;
  memset(&m, 0, sizeof m);
  m.chunk = par_chunk(n, grain);
  par_for(n, grain, mark, &m);
  for (size_t i = 0; i < n; i++) cr_assert_eq(m.seen[i], 1, "index %zu ran %d times", i, m.seen[i]);
  for (size_t c = 0; c * m.chunk < n; c++)
    cr_assert_eq(m.chunk_starts[c], c * m.chunk + 1, "chunk %zu starts at %zu", c, c * m.chunk);
}

Test(parallel, every_index_once_in_grain_aligned_chunks) {
  for (int threads = 1; threads <= 3; threads++) {
    cr_assert_eq(par_init(threads), 0);
    cr_assert_eq(par_threads(), threads);
    run_and_check(10007, 64);
    run_and_check(5, 16);
    run_and_check(1, 1);
  }
  par_init(1);
}

/* Workers started by a resize must not run the jobs posted before they existed
 * (their contexts are long gone): every job here is marked finished once
 * par_for returns, and a body that runs on a finished job counts as stale. */
typedef struct {
  int finished;
} Job;

static int stale_runs;

static void check_live(void *ctx, size_t begin, size_t end) {
  const Job *job = ctx;
  (void)begin;
  (void)end;
  if (__atomic_load_n(&job->finished, __ATOMIC_SEQ_CST)) __atomic_add_fetch(&stale_runs, 1, __ATOMIC_SEQ_CST);
}

Test(parallel, resized_pool_never_reruns_old_jobs) {
  static Job jobs[200];
  for (int round = 0; round < 200; round++) {
    cr_assert_eq(par_init(1 + round % 2), 0);
    usleep(1000); /* a new worker is up and waiting before the next job */
    run_and_check(1000, 8);
    par_for(1000, 8, check_live, &jobs[round]);
    __atomic_store_n(&jobs[round].finished, 1, __ATOMIC_SEQ_CST);
  }
  par_init(1);
  cr_assert_eq(stale_runs, 0, "%d bodies ran on jobs that had already finished", stale_runs);
}
