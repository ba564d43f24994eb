/* checkpoint.h — a training run as bytes, and back: everything a resumed run
 * needs to write the same log as a run that never stopped.
 *
 * Format (version 3; version 2 is the same without real layers, and a model
 * without them is still written as version 2), all integers and floats
 * little-endian:
 *
 *   header   "FLIPSCKP", u32 version, u32 header bytes (24), u64 file bytes
 *   sections in this order, each u32 tag, u64 length, then its contents:
 *     CONF  the front end's settings (opaque text; flipscope: config-file lines)
 *     APPS  the front end's own state (opaque bytes)
 *     TRNR  step, batch, epochs, steps, eval-every, real-lr, seed, schedule,
 *           total steps, steps per epoch, shuffle PRNG state (4 x u64),
 *           training-split size n, the current epoch's permutation (n x u32);
 *           not the augmentation (TrainConfig.augment), which has no state:
 *           the front end keeps it among its settings in CONF
 *     DATA  u32 fingerprint of the training and test splits the run was
 *           trained on (checkpoint_data_fingerprint)
 *     MODL  binary-layer count, inputs, classes, (version 3) u32 real layers
 *           (bit 0: a real first layer, bit 1: a real last layer), each binary
 *           layer's in and out; then per binary layer its signs (1 bit per
 *           weight, 1 = +1, row-major, LSB first), batch-norm scale, shift,
 *           running mean and variance (f32 x out each)
 *     REAL  version 3 only: per real layer (first, then last) its in, out,
 *           weights (f32 x out x in, row-major), batch-norm scale, shift,
 *           running mean and variance (f32 x out each)
 *     RADM  the real parameters' Adam (Model.real_params): n, step, m (f32 x n),
 *           v (f32 x n)
 *     OPTM  optimizer kind, state arrays per layer, its settings (every
 *           OptConfig field), its step, layer count and sizes, then every
 *           state array of every layer (f32)
 *     TELE  optional: the telemetry's flip history when it was on (step,
 *           layers; per layer weights, ever-bit words, ever-flipped count; then
 *           per layer the ever bits (u64) and each weight's last-flip step (u16))
 *   u32 CRC-32 (zlib's) of every byte before it.
 *
 * The engine never touches files: the writer hands bytes to a callback, the
 * reader takes a buffer (the front end reads and writes the files, atomically).
 * Every error is one line without the file name (the caller adds it).
 */
#ifndef FLIPSCOPE_CHECKPOINT_H
#define FLIPSCOPE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/optim.h"
#include "engine/trainer.h"

#define CKPT_MAGIC "FLIPSCKP"
#define CKPT_VERSION 4 /* 2: the DATA section; 3: real first and last layers; 4: CNNs */
#define CKPT_VERSION_OLDEST 2
#define CKPT_HEADER_BYTES 24

/* Receives the next len bytes of the checkpoint; returns 0, or -1 to stop. */
typedef int (*CkptSink)(void *ctx, const void *data, size_t len);

/* The front end's opaque parts (either may be empty). */
typedef struct {
  const char *config;
  size_t config_len;
  const void *app;
  size_t app_len;
} CkptExtra;

/* Writes t's checkpoint through sink (a first pass measures it, without
 * calling sink). Returns 0, or -1 with a message when sink failed. */
int checkpoint_write(Trainer *t, const CkptExtra *extra, CkptSink sink, void *ctx, char *err,
                     size_t errlen);

/* What a checkpoint holds, for messages and checks; pointers are into the buffer. */
typedef struct {
  uint32_t version;
  uint64_t bytes;
  uint64_t step, batch, seed, n_train, total_steps, steps_per_epoch;
  size_t n_layers, input_dim, classes;  /* binary layers */
  size_t layer_in[MODEL_MAX_LAYERS], layer_out[MODEL_MAX_LAYERS];
  int real_first, real_last;             /* the model's real layers */
  size_t real_in[2], real_out[2];        /* their shapes: [0] first, [1] last (0 x 0: none) */
  int cnn;                               /* version 4: spec and input describe a CNN */
  ModelSpec spec;
  ModelInput input;
  OptConfig opt;
  uint64_t opt_steps;
  uint32_t data_fingerprint;
  const char *config;
  size_t config_len;
  const uint8_t *app;
  size_t app_len;
  int has_telemetry;   /* the optional TELE section is present */
} CkptInfo;

/* Checks magic, version, length and CRC, then walks every section and checks
 * its structure (sizes that agree, shapes that chain, a permutation that is
 * one, finite numbers). Returns 0 and fills *info, or -1 with a message:
 * "not a flipscope checkpoint (bad magic ...)", "version N ...",
 * "truncated: ...", "checksum mismatch ...", "corrupt: ...". */
int checkpoint_inspect(const uint8_t *buf, size_t len, CkptInfo *info, char *err, size_t errlen);

/* A cheap fingerprint of the data a run trains on: zlib's CRC-32 over each
 * split's shape (n, dim, classes), all its labels, and about 1 MB of its
 * features (whole rows, evenly spaced). test may be NULL. */
uint32_t checkpoint_data_fingerprint(const DataSplit *train, const DataSplit *test);

/* Inspects buf, refuses a checkpoint whose model, data (shape or fingerprint)
 * or optimizer kind does not match t (t unchanged then), else restores every
 * part of the state into t. t's own settings (OptConfig, TrainConfig) are kept. Returns 0 or -1. */
int checkpoint_restore(Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* After telemetry was turned on for a trainer restored from buf: restores
 * the flip history too. Returns 0, 1 when there is none to restore (the
 * history starts afresh then), or -1 with a message. */
int checkpoint_restore_telemetry(Trainer *t, const uint8_t *buf, size_t len, char *err,
                                 size_t errlen);

/* "mlp:64x32 (256 inputs, 10 classes)" for the model in info. */
void checkpoint_model_name(const CkptInfo *info, char *buf, size_t len);

#endif
