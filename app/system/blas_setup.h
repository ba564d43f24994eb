/* blas_setup.h — making OpenBLAS use the kernels this CPU can run. */
#ifndef FLIPSCOPE_BLAS_SETUP_H
#define FLIPSCOPE_BLAS_SETUP_H

/* Debian's OpenBLAS 0.3.21 does not know recent Xeons (e.g. family 6 model
 * 207) and falls back to its SSE3 "Prescott" kernels, 5x slower than its
 * AVX-512 ones. OpenBLAS picks its kernels, and starts its own worker
 * threads, when the library loads, before main. flipscope never uses those
 * workers (each of its threads makes single-threaded calls, engine/dense.c),
 * and under an address-space limit they can hang the process in OpenBLAS's
 * allocator. So, unless the user set them, this sets OPENBLAS_NUM_THREADS=1
 * and OPENBLAS_CORETYPE from the CPU's own feature flags (SkylakeX for
 * AVX-512, Haswell for AVX2 + FMA; only when OpenBLAS chose weaker kernels)
 * and re-executes the program once. Returns only if no re-exec was needed
 * (or it failed). */
void blas_select_kernels(char **argv);

/* The OpenBLAS kernel family in use, e.g. "SkylakeX". */
const char *blas_core_name(void);
/* The address space OpenBLAS maps for each thread that calls it: a work
 * buffer of BUFFER_SIZE (128 MiB in Debian's build) plus a page. It retries
 * forever when that mapping fails, so a run is budgeted for it up front. */
#define BLAS_BUFFER_BYTES ((double)(128u << 20) + 8192.0)

/* Sets OpenBLAS's thread count. */
void blas_set_threads(int threads);

#endif
