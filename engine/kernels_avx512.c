/* kernels_avx512.c — the element-wise kernels compiled for AVX-512 (Makefile FLAGS_avx512). */
#define KERNEL_TABLE kernels_avx512
#define KERNEL_BGEMM bgemm_avx512
#include "engine/kernel_variant.h"
