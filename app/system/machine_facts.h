/* machine_facts.h — the facts of this machine that decide how a run rounds:
 * the SIMD variant of the kernels (engine/simd.h), the OpenBLAS kernel
 * family (app/system/blas_setup.h) and, for a bf16 run, its product kernel
 * (AMX or AVX-512 BF16: engine/matmul.h; they sum in different orders). A run
 * is bit-identical only under the same ones (and the same thread count, which
 * the saved settings hold), so a checkpoint records them as "machine_simd=...",
 * "machine_blas=..." and "machine_bf16=..." lines in front of the front end's
 * APPS lines, and --load warns when they differ. */
#ifndef FLIPSCOPE_MACHINE_FACTS_H
#define FLIPSCOPE_MACHINE_FACTS_H

#include <stddef.h>

#include "engine/matmul.h"

typedef struct {
  char simd[16]; /* "" when not recorded (checkpoints from before) */
  char blas[32];
  char bf16[32]; /* the products' kernel of a bf16 run; "" for fp32 (or before) */
} MachineFacts;

/* This process's facts for a run in `precision`. */
void machine_facts_now(MachineFacts *m, Precision precision);
/* As lines; returns the length needed (snprintf-like). */
size_t machine_facts_encode(const MachineFacts *m, char *buf, size_t len);
/* Finds the lines in a checkpoint's APPS bytes (absent: empty fields). */
void machine_facts_decode(const void *app, size_t len, MachineFacts *m);
/* When saved facts were recorded and differ from now's: 1 and one sentence
 * in msg saying which; else 0. */
int machine_facts_differ(const MachineFacts *saved, const MachineFacts *now, char *msg, size_t len);

#endif
