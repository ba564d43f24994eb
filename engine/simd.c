/* simd.c — picks the kernel variant (scalar, AVX2, AVX-512) from the CPU.
 *
 * A variant may run only if the CPU has every extension its kernel file is
 * compiled with (see FLAGS_avx2 / FLAGS_avx512 in the Makefile), because the
 * compiler is free to use any of them in that file. The choice is made once
 * by simd_init (FLIPSCOPE_SIMD may force it) and read by every kernel call
 * through kernels.h.
 */
#include "engine/simd.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int present;      /* __builtin_cpu_supports answer */
  const char *name; /* as an error message names it */
} Feature;

#define FEATURE(cpu_name, pretty) {__builtin_cpu_supports(cpu_name), pretty}

/* The first extension `level` needs that the CPU lacks, or NULL if none. */
static const char *missing_feature(SimdLevel level) {
  __builtin_cpu_init();
  const Feature avx2[] = {FEATURE("avx2", "AVX2"), FEATURE("fma", "FMA"),
                          FEATURE("popcnt", "POPCNT"), FEATURE("bmi2", "BMI2")};
  const Feature avx512[] = {
      FEATURE("avx512f", "AVX-512 F"),   FEATURE("avx512bw", "AVX-512 BW"),
      FEATURE("avx512vl", "AVX-512 VL"), FEATURE("avx512dq", "AVX-512 DQ"),
      FEATURE("avx512vpopcntdq", "AVX-512 VPOPCNTDQ"), FEATURE("avx512vnni", "AVX-512 VNNI"),
      FEATURE("fma", "FMA"),             FEATURE("popcnt", "POPCNT"),
      FEATURE("bmi2", "BMI2")};
  const Feature *needs = level == SIMD_AVX512 ? avx512 : avx2;
  size_t count = level == SIMD_AVX512 ? sizeof avx512 / sizeof *avx512
                 : level == SIMD_AVX2     ? sizeof avx2 / sizeof *avx2
                                          : 0;
  for (size_t i = 0; i < count; i++)
    if (!needs[i].present) return needs[i].name;
  return NULL;
}

int simd_supported(SimdLevel level) {
  if (level < SIMD_SCALAR || level > SIMD_AVX512) return 0;
  return missing_feature(level) == NULL;
}

SimdLevel simd_detect(void) {
  if (simd_supported(SIMD_AVX512)) return SIMD_AVX512;
  if (simd_supported(SIMD_AVX2)) return SIMD_AVX2;
  return SIMD_SCALAR;
}

static const char *const level_names[] = {"scalar", "avx2", "avx512"};

int simd_parse(const char *name) {
  for (int level = SIMD_SCALAR; level <= SIMD_AVX512; level++)
    if (name && !strcmp(name, level_names[level])) return level;
  return -1;
}

const char *simd_name(SimdLevel level) {
  return level >= SIMD_SCALAR && level <= SIMD_AVX512 ? level_names[level] : "unknown";
}

/* -1 until chosen; kernels may read it from worker threads. */
static atomic_int active_level = -1;

int simd_init(char *err, size_t errlen) {
  const char *forced = getenv("FLIPSCOPE_SIMD");
  if (!forced || !*forced) {
    atomic_store(&active_level, (int)simd_detect());
    return 0;
  }
  int level = simd_parse(forced);
  if (level < 0) {
    snprintf(err, errlen, "FLIPSCOPE_SIMD=%s: unknown variant (expected scalar, avx2 or avx512)",
             forced);
    return ERR_USAGE;
  }
  const char *lacking = missing_feature((SimdLevel)level);
  if (lacking) {
    snprintf(err, errlen, "FLIPSCOPE_SIMD=%s: this CPU lacks %s", forced, lacking);
    return ERR_USAGE;
  }
  atomic_store(&active_level, level);
  return 0;
}

SimdLevel simd_active(void) {
  int level = atomic_load_explicit(&active_level, memory_order_relaxed);
  if (level < 0) {
    level = (int)simd_detect();
    atomic_store(&active_level, level);
  }
  return (SimdLevel)level;
}

void simd_force(SimdLevel level) { atomic_store(&active_level, (int)level); }
