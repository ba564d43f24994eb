/* kernels_avx2.c — the element-wise kernels compiled for AVX2 (Makefile FLAGS_avx2). */
#define KERNEL_TABLE kernels_avx2
#define KERNEL_BGEMM bgemm_avx2
#include "engine/kernel_variant.h"
