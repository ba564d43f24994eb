/* parallel.c — a fixed pool of pthreads that sleep on a condition variable.
 *
 * The caller thread takes chunk 0 itself; workers 1..T-1 take the others.
 * A generation counter tells workers a new job is posted; a countdown tells
 * the caller they are done.
 */
#include "engine/parallel.h"

#include <pthread.h>
#include <stdlib.h>

static struct {
  int threads; /* including the caller */
  pthread_t workers[PAR_MAX_THREADS];
  pthread_mutex_t lock;
  pthread_cond_t job_posted, job_done;
  unsigned long generation;
  unsigned long born_at[PAR_MAX_THREADS]; /* generation when each worker started */
  int pending;
  int stopping;
  par_body body;
  void *ctx;
  size_t n, chunk;
} pool = {.threads = 1, .lock = PTHREAD_MUTEX_INITIALIZER,
          .job_posted = PTHREAD_COND_INITIALIZER, .job_done = PTHREAD_COND_INITIALIZER};

static void run_chunk(int index) {
  size_t begin = (size_t)index * pool.chunk;
  size_t end = begin + pool.chunk;
  if (end > pool.n) end = pool.n;
  if (begin < end) pool.body(pool.ctx, begin, end);
}

static void *worker_main(void *arg) {
  int index = (int)(size_t)arg;
  pthread_mutex_lock(&pool.lock);
  /* Jobs posted before this worker existed are not its own. */
  unsigned long seen = pool.born_at[index];
  for (;;) {
    while (pool.generation == seen && !pool.stopping) pthread_cond_wait(&pool.job_posted, &pool.lock);
    if (pool.stopping) break;
    seen = pool.generation;
    pthread_mutex_unlock(&pool.lock);
    run_chunk(index);
    pthread_mutex_lock(&pool.lock);
    if (--pool.pending == 0) pthread_cond_signal(&pool.job_done);
  }
  pthread_mutex_unlock(&pool.lock);
  return NULL;
}

void par_shutdown(void) {
  pthread_mutex_lock(&pool.lock);
  pool.stopping = 1;
  pthread_cond_broadcast(&pool.job_posted);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 1; i < pool.threads; i++) pthread_join(pool.workers[i], NULL);
  pool.threads = 1;
  pool.stopping = 0;
}

int par_init(int threads) {
  if (threads < 1 || threads > PAR_MAX_THREADS) return -1;
  if (threads == pool.threads) return 0;
  par_shutdown();
  for (int i = 1; i < threads; i++) {
    pool.born_at[i] = pool.generation;
    if (pthread_create(&pool.workers[i], NULL, worker_main, (void *)(size_t)i) != 0) {
      pool.threads = i;
      par_shutdown();
      return -1;
    }
    pool.threads = i + 1;
  }
  return 0;
}

int par_threads(void) { return pool.threads; }

size_t par_chunk(size_t n, size_t grain) {
  if (grain == 0) grain = 1;
  size_t chunk = (n + (size_t)pool.threads - 1) / (size_t)pool.threads;
  chunk = (chunk + grain - 1) / grain * grain;
  return chunk ? chunk : grain;
}

void par_for(size_t n, size_t grain, par_body body, void *ctx) {
  if (n == 0) return;
  size_t chunk = par_chunk(n, grain);
  if (pool.threads == 1 || chunk >= n) {
    body(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&pool.lock);
  pool.body = body;
  pool.ctx = ctx;
  pool.n = n;
  pool.chunk = chunk;
  pool.pending = pool.threads - 1;
  pool.generation++;
  pthread_cond_broadcast(&pool.job_posted);
  pthread_mutex_unlock(&pool.lock);
  run_chunk(0);
  pthread_mutex_lock(&pool.lock);
  while (pool.pending > 0) pthread_cond_wait(&pool.job_done, &pool.lock);
  pthread_mutex_unlock(&pool.lock);
}
