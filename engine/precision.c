/* precision.c — the precisions of the real-valued products (matmul.h): their
 * names, and whether this CPU and kernel can run the bf16 one on AMX tiles
 * or with AVX-512 BF16.
 *
 * AMX needs three things: the CPU (CPUID leaf 7: AMX-TILE, AMX-BF16, and
 * AVX-512 BF16 for the packing code), the OS saving the tile state (XCR0
 * bits 17 and 18), and this process's permission to use it, which Linux
 * grants on request (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) for
 * the whole process. Without the permission the first tile instruction
 * raises SIGILL.
 */
#include <cpuid.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/matmul.h"

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILECFG 17
#define XFEATURE_XTILEDATA 18

static const char *const precision_names[] = {"fp32", "bf16"};

int precision_parse(const char *name) {
  for (int p = PRECISION_FP32; p <= PRECISION_BF16; p++)
    if (name && !strcmp(name, precision_names[p])) return p;
  return -1;
}

const char *precision_name(Precision p) {
  return p >= PRECISION_FP32 && p <= PRECISION_BF16 ? precision_names[p] : "unknown";
}

/* The extended control register XCR0: which state components the OS saves. */
static unsigned long long xcr0(void) {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (unsigned long long)hi << 32 | lo;
}

static const char *avx512_missing;

/* What the AVX-512 BF16 kernel lacks here, or NULL. */
static void avx512_probe(void) {
  unsigned a, b, c, d;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl"))
    avx512_missing = "AVX-512";
  else if (!__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a >> 5 & 1))
    avx512_missing = "AVX-512 BF16";
  else if (!__get_cpuid(1, &a, &b, &c, &d) || !(c >> 27 & 1) || (xcr0() & 0xe6) != 0xe6)
    avx512_missing = "the operating system's support for the AVX-512 state";
}

const char *avx512_bf16_missing(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, avx512_probe);
  return avx512_missing;
}

static const char *amx_missing;

/* What AMX-BF16 lacks here, or NULL; asks the kernel for the tile state. */
static void amx_probe(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d >> 24 & 1)) {
    amx_missing = "AMX-TILE";
  } else if (!(d >> 22 & 1)) {
    amx_missing = "AMX-BF16";
  } else if (avx512_bf16_missing()) { /* the packing code's */
    amx_missing = avx512_bf16_missing();
  } else if (!__get_cpuid(1, &a, &b, &c, &d) || !(c >> 27 & 1) ||
             (xcr0() >> XFEATURE_XTILECFG & 3) != 3) {
    amx_missing = "the operating system's support for the AMX tile state";
  } else if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
    amx_missing = "the kernel's permission to use the AMX tile state";
  }
}

const char *amx_bf16_missing(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, amx_probe);
  return amx_missing;
}

const char *bf16_products_missing(void) {
  return amx_bf16_missing() && avx512_bf16_missing() ? avx512_bf16_missing() : NULL;
}

Precision precision_default(void) { return amx_bf16_missing() ? PRECISION_FP32 : PRECISION_BF16; }
