/* kernels_scalar.c — the element-wise kernels compiled for baseline x86-64 (the portable reference). */
#define KERNEL_TABLE kernels_scalar
#define KERNEL_BGEMM bgemm_scalar
#include "engine/kernel_variant.h"
