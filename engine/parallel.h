/* parallel.h — a small pool of worker threads for the engine's own kernels.
 *
 * par_for splits [0, n) into one contiguous chunk per thread, so every element
 * is computed by the same code in the same order whatever the thread count:
 * results are bit-identical across runs. Workers sleep between calls.
 */
#ifndef FLIPSCOPE_PARALLEL_H
#define FLIPSCOPE_PARALLEL_H

#include <stddef.h>

typedef void (*par_body)(void *ctx, size_t begin, size_t end);

/* Starts (or resizes) the pool to `threads` (>= 1). Returns 0 or -1. */
int par_init(int threads);
int par_threads(void);
/* Runs body(ctx, begin, end) over [0, n) in par_threads() chunks; chunks are
 * rounded to multiples of `grain` (>= 1) except the last. Returns when all are done. */
void par_for(size_t n, size_t grain, par_body body, void *ctx);
/* The chunk length par_for(n, grain, ...) uses: chunk c starts at c * length,
 * so a body can keep per-chunk results in slot begin / length. */
size_t par_chunk(size_t n, size_t grain);
#define PAR_MAX_THREADS 64
void par_shutdown(void);

#endif
