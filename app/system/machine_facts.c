/* machine_facts.c — recording and comparing a run's SIMD and BLAS kernels (machine_facts.h). */
#include "app/system/machine_facts.h"

#include <stdio.h>
#include <string.h>

#include "app/system/blas_setup.h"
#include "engine/kernels.h"
#include "engine/simd.h"

void machine_facts_now(MachineFacts *m, Precision precision) {
  snprintf(m->simd, sizeof m->simd, "%s", simd_name(simd_active()));
  snprintf(m->blas, sizeof m->blas, "%s", blas_core_name());
  snprintf(m->bf16, sizeof m->bf16, "%s",
           precision == PRECISION_BF16 ? matmul_for(PRECISION_BF16)->name : "");
}

size_t machine_facts_encode(const MachineFacts *m, char *buf, size_t len) {
  int n = snprintf(buf, len, "machine_simd=%s\nmachine_blas=%s\n%s%s%s", m->simd, m->blas,
                   m->bf16[0] ? "machine_bf16=" : "", m->bf16, m->bf16[0] ? "\n" : "");
  return n < 0 ? 0 : (size_t)n;
}

/* The value of "key=" on a line of text[0..len) into out (empty if none). */
static void line_value(const char *text, size_t len, const char *key, char *out, size_t out_len) {
  out[0] = 0;
  size_t k = strlen(key);
  for (size_t at = 0; at < len;) {
    const char *line = text + at, *nl = memchr(line, '\n', len - at);
    size_t line_len = nl ? (size_t)(nl - line) : len - at;
    if (line_len > k && !memcmp(line, key, k) && line[k] == '=') {
      size_t v = line_len - k - 1;
      snprintf(out, out_len, "%.*s", (int)(v < out_len ? v : out_len - 1), line + k + 1);
      return;
    }
    at += line_len + 1;
  }
}

void machine_facts_decode(const void *app, size_t len, MachineFacts *m) {
  line_value(app, len, "machine_simd", m->simd, sizeof m->simd);
  line_value(app, len, "machine_blas", m->blas, sizeof m->blas);
  line_value(app, len, "machine_bf16", m->bf16, sizeof m->bf16);
}

int machine_facts_differ(const MachineFacts *saved, const MachineFacts *now, char *msg, size_t len) {
  int simd = saved->simd[0] && strcmp(saved->simd, now->simd) != 0;
  int blas = saved->blas[0] && strcmp(saved->blas, now->blas) != 0;
  if (!simd && !blas) { /* a bf16 run's products matter only when both ran in bf16 */
    if (!saved->bf16[0] || !now->bf16[0] || !strcmp(saved->bf16, now->bf16)) return 0;
    snprintf(msg, len, "saved with the %s products, resumed with %s: the run will not repeat "
             "an uninterrupted one bit for bit", saved->bf16, now->bf16);
    return 1;
  }
  snprintf(msg, len, "saved with the %s kernels and OpenBLAS %s, resumed with %s and %s: the run "
           "will not repeat an uninterrupted one bit for bit%s%s%s",
           saved->simd[0] ? saved->simd : "?", saved->blas[0] ? saved->blas : "?", now->simd,
           now->blas, simd ? " (FLIPSCOPE_SIMD=" : "", simd ? saved->simd : "", simd ? " matches)" : "");
  return 1;
}
