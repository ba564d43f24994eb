/* fuzz_checkpoint.c — libFuzzer target for the checkpoint reader.
 *
 * The first input byte holds flags; the rest is the file. With flag bit 0 the
 * harness first fixes the header's length field and the CRC, so the fuzzer
 * gets past the checksum into the sections. Every input is inspected; one
 * that passes is restored into a small trainer of its optimizer (with flip
 * telemetry on), which must then take a step and write a checkpoint that
 * inspects cleanly. Messages must be one line.
 *
 * With FLIPSCOPE_FUZZ_SEEDS=DIR, initialisation writes a valid checkpoint per
 * optimizer into DIR as seeds. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "engine/checkpoint.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/trainer.h"
#include "../membuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { N = 24, DIM = 5, CLASSES = 3 };
static float x[N * DIM];
static uint8_t labels[N];
static DataSplit split = {.n = N, .dim = DIM, .classes = CLASSES, .x_f32 = x, .labels = labels};
static Trainer *trainers[OPT_KIND_COUNT];

static void check_message(const char *err) { assert(err[0] && !strchr(err, '\n')); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  assert(par_init(1) == 0);
  Rng r;
  rng_seed(&r, 1, 99);
  for (size_t i = 0; i < N * DIM; i++) x[i] = rng_uniform(&r) * 2 - 1;
  for (size_t i = 0; i < N; i++) labels[i] = (uint8_t)(i % CLASSES);
  ModelSpec spec = {.hidden = {6, 4}, .n_hidden = 2}; /* mlp:6x4 */
  char err[256];
  TrainConfig tc = {.batch = 4, .max_steps = 1000000000, .real_lr = 1e-3, .seed = 3,
                    .schedule = {.kind = SCHED_CONST}};
  TelemetryConfig telc;
  telemetry_defaults(&telc);
  const char *dir = getenv("FLIPSCOPE_FUZZ_SEEDS");
  for (int k = 0; k < OPT_KIND_COUNT; k++) {
    OptConfig oc;
    optim_defaults((OptKind)k, &oc);
    trainers[k] = trainer_create(&tc, &spec, &oc, &split, &split, err, sizeof err);
    assert(trainers[k]);
    if (k % 2 == 0) assert(trainer_enable_telemetry(trainers[k], &telc, err, sizeof err) == 0);
    if (!dir) continue;
    StepReport rep;
    for (int s = 0; s < 7; s++) assert(trainer_step(trainers[k], &rep, err, sizeof err) == 1);
    CkptExtra extra = {.config = "model = mlp:6x4\n", .config_len = 16, .app = "x=1\n", .app_len = 4};
    Buf b = {0};
    uint8_t flags = 0;
    to_buf(&b, &flags, 1);
    assert(checkpoint_write(trainers[k], &extra, to_buf, &b, err, sizeof err) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/seed-%s", dir, optim_ops((OptKind)k)->name);
    FILE *f = fopen(path, "wb");
    if (f) {
      fwrite(b.data, 1, b.len, f);
      fclose(f);
    }
    free(b.data);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t flags = data[0];
  size_t len = size - 1;
  uint8_t *buf = malloc(len ? len : 1);
  memcpy(buf, data + 1, len);
  if ((flags & 1) && len >= CKPT_HEADER_BYTES + 4) { /* a valid length and CRC */
    for (int i = 0; i < 8; i++) buf[16 + i] = (uint8_t)((uint64_t)len >> (8 * i));
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(len - 4));
    for (int i = 0; i < 4; i++) buf[len - 4 + i] = (uint8_t)(crc >> (8 * i));
  }
  CkptInfo info;
  char err[512] = "";
  if (checkpoint_inspect(buf, len, &info, err, sizeof err)) {
    check_message(err);
    free(buf);
    return 0;
  }
  assert((int)info.opt.kind >= 0 && info.opt.kind < OPT_KIND_COUNT);
  Trainer *t = trainers[info.opt.kind];
  if (checkpoint_restore(t, buf, len, err, sizeof err)) {
    check_message(err); /* a model or data that does not match */
  } else {
    assert(checkpoint_restore_telemetry(t, buf, len, err, sizeof err) >= 0);
    StepReport rep;
    int got = trainer_step(t, &rep, err, sizeof err);
    if (got < 0) check_message(err); /* restored values may overflow */
    Buf b = {0};
    assert(checkpoint_write(t, NULL, to_buf, &b, err, sizeof err) == 0);
    char why[512];
    if (got > 0 && trainer_check_state(t, why, sizeof why) == 0 &&
        checkpoint_inspect(b.data, b.len, &info, err, sizeof err)) {
      fprintf(stderr, "a checkpoint written after a restored step does not inspect: %s\n", err);
      abort();
    }
    free(b.data);
  }
  free(buf);
  return 0;
}
