/* kernel_clones.h — element-wise loops compiled for several instruction sets
 * and picked by the loader at start-up (GCC function multiversioning).
 * With -ffp-contract=off every clone rounds the same way, so results are
 * bit-identical whichever clone runs. */
#ifndef FLIPSCOPE_KERNEL_CLONES_H
#define FLIPSCOPE_KERNEL_CLONES_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define KERNEL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KERNEL_CLONES
#endif

#endif
