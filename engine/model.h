/* model.h — the binary MLP: input -> [binary dense -> batch norm -> sign] per
 * hidden layer -> binary dense -> batch norm -> logits.
 *
 * Optionally the first and the last dense layer keep real weights (as most
 * BNN papers do), trained by Adam with the batch-norm parameters: they are
 * Model.real_first and Model.real_last, outside layer[], which holds only the
 * binary layers (the optimizer's, the telemetry's and the logs' layers).
 *
 * Memory: binary weights (+-1 floats, their packed bits, their gradients) in
 * one block, real parameters (batch-norm scale and shift) with their gradients
 * in another, activations for up to batch_cap rows in a third. Nothing is
 * allocated after model_create.
 */
#ifndef FLIPSCOPE_MODEL_H
#define FLIPSCOPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/matmul.h"

#define MODEL_MAX_LAYERS 16
#define MODEL_MAX_WIDTH 65536 /* units of a hidden layer */

typedef struct {
  size_t hidden[MODEL_MAX_LAYERS - 1];
  size_t n_hidden;
  int real_first, real_last; /* the first / last dense layer has real weights */
} ModelSpec;

/* The same with the real layers named: "mlp:64x64 real-first real-last". */
void model_spec_describe(const ModelSpec *spec, char *buf, size_t len);
/* 0, or -1 with a message when the spec leaves no binary layer. */
int model_spec_check(const ModelSpec *spec, char *err, size_t errlen);

/* Writes "mlp:H1xH2..." into buf ("mlp:" alone: no hidden layer, a linear
 * binary model). */
void model_spec_format(const ModelSpec *spec, char *buf, size_t len);

typedef struct {
  size_t in, out;        /* K, N */
  float *sign;           /* N x K binary weights as +-1 (a real layer: its real weights) */
  uint64_t *bits;        /* N x bits_words(K): the same, packed (NULL in a real layer) */
  float *grad;           /* N x K: dL/db from the last backward */
  float *bn_scale, *bn_shift, *bn_dscale, *bn_dshift; /* N each (real-param block) */
  float *run_mean, *run_var;                          /* N each */
  /* per-batch buffers, batch_cap rows */
  float *h;              /* B x N: x W^T */
  float *xhat;           /* B x N: normalised h */
  float *rstd;           /* N */
  float *z;              /* B x N: batch-norm output (the logits for the last layer) */
  float *a;              /* B x N: sign(z) as +-1 (hidden layers) */
  uint64_t *abits;       /* B x bits_words(N): sign(z) packed */
  float *dz;             /* B x N: dL/dz, then dL/dh */
} Layer;

typedef struct {
  size_t n_layers;       /* binary dense layers, hidden + output */
  size_t input_dim, classes, batch_cap;
  Layer layer[MODEL_MAX_LAYERS];
  int has_real_first, has_real_last;
  Layer real_first, real_last;     /* real-weight layers before / after layer[] */
  /* All bn scales and shifts, then the real layers' weights, scales and shifts. */
  float *real_params, *real_grads;
  size_t n_real;
  float *dx;             /* batch_cap x max(K): gradient wrt a layer's input */
  Precision precision;   /* of the real-valued products; model_create: fp32 */
  void *blocks[3];
} Model;

/* Builds the model; initial signs are drawn from (seed, RNG_STREAM_SIGNS) in
 * layer order, so they depend only on the seed and the shape. */
int model_create(Model *m, const ModelSpec *spec, size_t input_dim, size_t classes,
                 size_t batch_cap, uint64_t seed, char *err, size_t errlen);
void model_free(Model *m);
/* The bytes model_create would allocate for this shape (nothing is allocated). */
size_t model_bytes(const ModelSpec *spec, size_t input_dim, size_t classes, size_t batch_cap);
/* Binary weights in the model (the optimizer's size). */
size_t model_binary_weights(const Model *m);

/* Forward pass of B <= batch_cap rows; returns the logits (B x classes).
 * training: batch statistics (and running-stat updates), else running ones. */
const float *model_forward(Model *m, const float *x, size_t B, int training);
/* The optimizer step, handed each block of a layer's weights [begin, end)
 * (flat indices into sign/grad) as soon as its gradient is computed; returns
 * the flips it made there. Called from several threads on disjoint blocks.
 * repacked (optional) follows a block that flipped of a layer whose packed
 * bits are in use (model_packs_layer), once the model has packed its new
 * signs: bits holds rows begin/K .. end/K-1. */
typedef struct {
  size_t (*fn)(void *ctx, size_t layer, size_t begin, size_t end);
  void (*repacked)(void *ctx, size_t layer, size_t begin, size_t end, size_t flips,
                   const uint64_t *bits);
  void *ctx;
} ModelUpdate;

/* Backward pass from dlogits (B x classes) of the last training forward:
 * fills every layer's grad and the real-parameter gradients (the real
 * layers' weight gradients among them). With an update,
 * each layer's weights are stepped right after its input gradient is taken
 * (so that uses the old signs), bits are re-packed where signs flipped, and
 * layer_flips[l] (if not NULL) receives each layer's flips. */
void model_backward(Model *m, const float *x, size_t B, const float *dlogits,
                    const ModelUpdate *update, size_t *layer_flips);
/* Whether binary layer l's packed bits are in use (its input is binary):
 * every layer but the first, and the first too after a real first layer. */
int model_packs_layer(const Model *m, size_t l);
/* Re-packs layer l's bits from its signs (after the optimizer flipped some). */
void model_repack(Model *m, size_t l);

#endif
