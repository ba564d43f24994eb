/* blas_setup.c — OpenBLAS kernel selection and threads. */
#include "app/system/blas_setup.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

char *openblas_get_corename(void);
void openblas_set_num_threads(int threads);

static const char *wanted_core(void) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return NULL;
}

/* OpenBLAS core names that already use AVX2 or AVX-512 kernels. */
static int core_is_modern(const char *name) {
  static const char *modern[] = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"};
  for (size_t i = 0; i < sizeof modern / sizeof *modern; i++)
    if (strcasecmp(name, modern[i]) == 0) return 1;
  return 0;
}

void blas_select_kernels(char **argv) {
  int again = 0;
  if (!getenv("OPENBLAS_NUM_THREADS")) { /* its workers start when it loads */
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    again = 1;
  }
  const char *want = getenv("OPENBLAS_CORETYPE") ? NULL : wanted_core();
  if (want && !core_is_modern(openblas_get_corename())) {
    setenv("OPENBLAS_CORETYPE", want, 1);
    again = 1;
  }
  if (!again) return;
  execv("/proc/self/exe", argv);
  if (want) unsetenv("OPENBLAS_CORETYPE"); /* exec failed: carry on with what we have */
}

const char *blas_core_name(void) { return openblas_get_corename(); }

void blas_set_threads(int threads) { openblas_set_num_threads(threads); }
