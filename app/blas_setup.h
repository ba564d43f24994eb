/* blas_setup.h — making OpenBLAS use the kernels this CPU can run. */
#ifndef FLIPSCOPE_BLAS_SETUP_H
#define FLIPSCOPE_BLAS_SETUP_H

/* Debian's OpenBLAS 0.3.21 does not know recent Xeons (e.g. family 6 model
 * 207) and falls back to its SSE3 "Prescott" kernels, 5x slower than its
 * AVX-512 ones. OpenBLAS picks its kernels when the library loads, before
 * main, from OPENBLAS_CORETYPE. So, unless the user set that variable, this
 * sets it from the CPU's own feature flags (SkylakeX for AVX-512, Haswell for
 * AVX2 + FMA) and re-executes the program once, when OpenBLAS chose weaker
 * kernels. Returns only if no re-exec was needed (or it failed). */
void blas_select_kernels(char **argv);

/* The OpenBLAS kernel family in use, e.g. "SkylakeX". */
const char *blas_core_name(void);
/* Sets OpenBLAS's thread count. */
void blas_set_threads(int threads);

#endif
