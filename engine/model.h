/* model.h — the binary network: input -> [binary layer -> batch norm -> sign]
 * per hidden layer -> binary dense -> batch norm -> logits.
 *
 * A hidden layer is dense (an MLP, "mlp:H1xH2") or a k x k convolution (a
 * CNN, "cnn:c32-p-c64-p-f256"). A convolution's product may be pooled (2x2
 * max or average, or global average) before its batch norm, and may carry
 * Bi-Real Net's real shortcut: z = BN(conv(sign x)) + x, x the real batch-norm
 * output of the layer below, so real activations flow past the binary one.
 * Activations are NHWC (conv.h): a convolution's batch norm runs on its
 * (B*Ho*Wo) x N rows, and a dense layer reads an image flattened.
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

#include "engine/activation.h"
#include "engine/conv_geom.h"
#include "engine/matmul.h"

#define MODEL_MAX_LAYERS 16
#define MODEL_MAX_WIDTH 65536 /* units of a hidden layer */

/* Pooling of a convolution's product, before its batch norm (pool.h). */
typedef enum { POOL_NONE, POOL_MAX2, POOL_AVG2, POOL_GLOBAL } PoolKind;

/* How hidden layer i is built: a dense layer (kernel 0, the rest unused) or a
 * kernel x kernel convolution. All zero: dense, as in every MLP. */
typedef struct {
  size_t kernel, stride;     /* stride 0 reads as 1 */
  ConvPadding padding;
  int shortcut;              /* the real shortcut (Bi-Real Net) */
  PoolKind pool;
} LayerShape;

/* Per-output-channel scaling of a binary layer's product (XNOR-Net):
 * none, or alpha_n = the mean |w| of the channel's latent weights. */
typedef enum { SCALE_NONE, SCALE_MEAN, SCALE_KIND_COUNT } ScaleKind;
extern const char *const scale_names[SCALE_KIND_COUNT]; /* "none", "mean" */

typedef struct {
  size_t hidden[MODEL_MAX_LAYERS - 1]; /* units (dense) or output channels (convolution) */
  LayerShape shape[MODEL_MAX_LAYERS - 1];
  size_t n_hidden;
  int cnn;                   /* written as "cnn:...", the input read as an image */
  int real_first, real_last; /* the first / last layer has real weights */
  SteKind ste;               /* the sign activations' backward pass */
  ScaleKind scale;           /* of the binary layers' products */
} ModelSpec;

/* What the model reads per sample: dim features, or (height, width and
 * channels all non-zero) an image of dim = height x width x channels, NHWC. */
typedef struct {
  size_t dim, height, width, channels;
} ModelInput;

/* The same with the real layers named: "mlp:64x64 real-first real-last". */
void model_spec_describe(const ModelSpec *spec, char *buf, size_t len);
/* 0, or -1 with a message when the spec leaves no binary layer. */
int model_spec_check(const ModelSpec *spec, char *err, size_t errlen);

/* Writes "mlp:H1xH2..." ("mlp:" alone: no hidden layer, a linear binary
 * model) or "cnn:c32-p-f256" (app/cli/model_text.h has the grammar). */
void model_spec_format(const ModelSpec *spec, char *buf, size_t len);

typedef struct {
  size_t in, out;        /* K, N: a weight row's inputs (k*k*C for a convolution), outputs */
  int conv;              /* 1: a convolution (geom), 0: dense */
  ConvGeom geom;
  PoolKind pool;
  int shortcut;          /* z = BN(h) + the z of the layer below */
  size_t pixels;         /* output pixels per sample after pooling (1: dense) */
  size_t out_height, out_width; /* the output image (1 x 1: dense) */
  size_t in_features;    /* floats per sample of the input (K for dense) */
  size_t pack_rows;      /* rows per sample its signs are packed in, for the layer above */
  int keeps_z;           /* z outlives a training forward pass: the logits, or a shortcut's
                            term (elsewhere the STE takes it afresh from h, and z holds
                            only what an eval pass wrote) */
  float *sign;           /* N x K binary weights as +-1 (a real layer: its real weights) */
  uint64_t *bits;        /* N x bits_words(K): the same, packed (NULL in a real layer) */
  float *grad;           /* N x K: dL/db from the last backward */
  float *bn_scale, *bn_shift, *bn_dscale, *bn_dshift; /* N each (real-param block) */
  float *run_mean, *run_var;                          /* N each */
  /* per-batch buffers, batch_cap samples; "B x P x N" is B x pixels x N */
  float *h;              /* B x P x N: the product x W^T (pooled), batch norm's input */
  float *mean, *rstd;    /* N each: h's batch statistics (batchnorm.h) */
  float *shortcut_dz;    /* B x P x N: dL/dz kept for the layer below (a shortcut; else NULL) */
  float *z;              /* B x P x N: batch-norm output (the logits for the last layer;
                            written in training only where keeps_z) */
  float *a;              /* B x P x N: sign(z) as +-1 (hidden layers; in training only
                            where the layer above reads floats, model_pass.c) */
  uint64_t *abits;       /* B*pack_rows rows of P*N/pack_rows bits: sign(z) packed */
  float *dz;             /* B x P x N: dL/dz, then dL/dh */
  float *conv_out;       /* B x Ho x Wo x N: a pooled convolution's product, then its
                            gradient, where stored (conv_forward_binary_maxpool and
                            conv_backward's unpooling on the fly do without) */
  uint8_t *pool_arg;     /* the same shape after pooling: max pooling's choices */
  float *scale;          /* N: alpha_n, h = alpha_n (x . b_n) (binary layers with a scale; 1 at first) */
} Layer;

/* Values per batch of B samples in each of L's B x P x N buffers. */
size_t layer_values(const Layer *L, size_t B);

typedef struct {
  ModelSpec spec;        /* what it was built from (real_first, real_last: 0 or 1), and its input */
  ModelInput input;
  size_t n_layers;       /* binary layers, hidden + output */
  size_t classes, batch_cap;
  Layer layer[MODEL_MAX_LAYERS];
  Layer real_first, real_last;     /* real-weight layers before / after layer[] */
  /* All bn scales and shifts, then the real layers' weights, scales and shifts. */
  float *real_params, *real_grads;
  size_t n_real;
  float *dx;             /* batch_cap x max(in_features): gradient wrt a layer's input */
  void *scratch;         /* the convolutions' (conv_scratch_bytes), for scratch_threads */
  size_t scratch_threads;
  Precision precision;   /* of the real-valued products; model_create: fp32 */
  void *blocks[4];
} Model;

/* Builds the model; initial signs are drawn from (seed, RNG_STREAM_SIGNS) in
 * layer order, so they depend only on the seed and the shape. A CNN needs an
 * image input; its scratch is sized for par_threads() now, so the thread pool
 * must not grow while the model lives. Returns 0, or ERR_USAGE (a spec that
 * does not fit the input) or ERR_RUNTIME (no memory) with one line in err. */
int model_create(Model *m, const ModelSpec *spec, const ModelInput *in, size_t classes,
                 size_t batch_cap, uint64_t seed, char *err, size_t errlen);
void model_free(Model *m);
/* The bytes model_create would allocate for this shape (nothing is
 * allocated); 0 when the spec does not fit the input. */
size_t model_bytes(const ModelSpec *spec, const ModelInput *in, size_t classes, size_t batch_cap);
/* Binary weights in the model (the optimizer's size). */
size_t model_binary_weights(const Model *m);

/* Forward pass of B <= batch_cap rows; returns the logits (B x classes).
 * training: batch statistics (and running-stat updates), else running ones. */
const float *model_forward(Model *m, const float *x, size_t B, int training);

/* L's batch-norm output z (B x P x N) after a forward pass of B rows: L->z,
 * or after a training pass where L does not keep it (Layer.keeps_z), the
 * same values normalised afresh into buf (B x P x N floats). */
const float *model_layer_z(const Layer *L, size_t B, int training, float *buf);

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
/* Whether binary layer l's packed bits are in use: where its input is
 * binary (every layer but the first, and the first too after a real first
 * layer), and in bf16, where the AMX products read the first layer's
 * weights from them too. */
int model_packs_layer(const Model *m, size_t l);
/* Re-packs layer l's bits from its signs (after the optimizer flipped some). */
void model_repack(Model *m, size_t l);

#endif
