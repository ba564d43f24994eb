/* simd.h — which kernel variant runs: chosen once at start-up from the CPU.
 *
 * The level chooses the variant of every kernel, the binary GEMM and the
 * element-wise loops alike: each call runs kernels_for(simd_active())
 * (kernels.h). FLIPSCOPE_SIMD=scalar|avx2|avx512 forces a variant (an error if
 * the CPU lacks it), and tests force each with simd_force, to prove every
 * variant gives the same answer as the portable one.
 */
#ifndef FLIPSCOPE_SIMD_H
#define FLIPSCOPE_SIMD_H

#include <stddef.h>

#include "engine/error.h"

typedef enum { SIMD_SCALAR = 0, SIMD_AVX2 = 1, SIMD_AVX512 = 2 } SimdLevel;

/* Best level this CPU supports. A level needs every extension its kernel file
 * is compiled with: avx2 = AVX2, FMA, POPCNT, BMI2; avx512 = AVX-512 F, BW,
 * VL, DQ, VPOPCNTDQ, VNNI, FMA, POPCNT, BMI2. */
SimdLevel simd_detect(void);
/* True when the CPU can run `level`. */
int simd_supported(SimdLevel level);
/* Parses "scalar" / "avx2" / "avx512"; returns -1 for anything else. */
int simd_parse(const char *name);
const char *simd_name(SimdLevel level);

/* Selects the active level: FLIPSCOPE_SIMD if set, else simd_detect().
 * Returns 0, or ERR_USAGE (engine/error.h) with a message in err when the
 * forced level is unknown or unsupported. Safe to call more than once. */
int simd_init(char *err, size_t errlen);
/* The active level (simd_detect() if simd_init was never called). */
SimdLevel simd_active(void);
/* Forces a level (tests); the caller checks simd_supported first. */
void simd_force(SimdLevel level);

#endif
