/* model_pass.c — a model's forward and backward passes, layer by layer in the
 * order data flows (model_sequence): each layer's product (dense or
 * convolution, on floats or on packed signs), its pooling, batch norm, real
 * shortcut and sign activation, and the same backwards with the optimizer
 * stepping each binary layer's weights as soon as their gradient is ready. */
#include "engine/model.h"

#include <string.h>

#include "engine/activation.h"
#include "engine/batchnorm.h"
#include "engine/bitpack.h"
#include "engine/conv.h"
#include "engine/dense.h"
#include "engine/kernels.h"
#include "engine/model_shape.h"
#include "engine/parallel.h"
#include "engine/pool.h"

static int is_real(const Model *m, const Layer *L) {
  return L == &m->real_first || L == &m->real_last;
}

/* L's weights as a product's operand, with their bits where the model keeps
 * them packed (model_packs_layer). */
static MatmulOperand weights_operand(const Model *m, const Layer *L) {
  int packed = !is_real(m, L) && model_packs_layer(m, (size_t)(L - m->layer));
  return (MatmulOperand){L->sign, packed ? L->bits : NULL, L->in};
}

/* Whether a training pass writes the +-1 floats of the signs that `above`
 * reads (its input): for a real layer's product, and for a weight gradient
 * that reads floats; not for the implicit convolution gradient, which reads
 * the bits (a layer's floats are as many bytes as its batch-norm output). */
static int input_floats_written(const Model *m, const MatmulKernels *mm, const Layer *above) {
  return is_real(m, above) || !above->conv || !conv_weights_implicit(mm, &above->geom);
}

/* The input of L's weight gradient: the data x, or the sign activations
 * of the layer below (their floats where written) with their bits: packed
 * one row per sample for a dense layer, one row per image row for a
 * convolution (as its forward reads them). */
static MatmulOperand input_operand(const Model *m, const MatmulKernels *mm, const Layer *L,
                                   const Layer *below, const float *x) {
  if (!below) return (MatmulOperand){x, NULL, L->in};
  const float *floats = input_floats_written(m, mm, L) ? below->a : NULL;
  if (L->conv) return (MatmulOperand){floats, below->abits, L->geom.width * L->geom.in_ch};
  return (MatmulOperand){floats, below->pack_rows == 1 ? below->abits : NULL, L->in};
}

/* out = L's product before pooling: x W^T (dense) or conv(x, W), from the
 * floats x, or from the packed signs bits when x is NULL. (A binary
 * convolution with max pooling runs layer_forward's fused product.) */
static void product_forward(const Model *m, const MatmulKernels *mm, const Layer *L,
                            const float *x, const uint64_t *bits, size_t B, float *out) {
  if (L->conv && x) conv_forward_real(mm, &L->geom, x, L->sign, B, out, m->scratch);
  else if (L->conv) conv_forward_binary(&L->geom, bits, L->bits, B, out, m->scratch);
  else if (x) {
    MatmulOperand w = weights_operand(m, L);
    dense_forward_real(mm, x, &w, B, L->in, L->out, out);
  } else dense_forward_binary(bits, L->bits, B, L->in, L->out, out);
}

/* h (B x P x N) = the pooling of conv_out (B x Ho x Wo x N). */
static void pool_forward(Layer *L, size_t B) {
  size_t H = L->geom.out_height, W = L->geom.out_width, N = L->out;
  if (L->pool == POOL_MAX2) maxpool2_forward(L->conv_out, B, H, W, N, L->h, L->pool_arg);
  else if (L->pool == POOL_AVG2) avgpool2_forward(L->conv_out, B, H, W, N, L->h);
  else if (L->pool == POOL_GLOBAL) global_avgpool_forward(L->conv_out, B, H, W, N, L->h);
}

/* conv_out = dL/d(product) from dz = dL/dh through an average pooling (max
 * pooling's gradient goes to conv_backward as it is: product_backward). */
static void pool_backward(Layer *L, size_t B) {
  size_t H = L->geom.out_height, W = L->geom.out_width, N = L->out;
  if (L->pool == POOL_AVG2) avgpool2_backward(L->dz, B, H, W, N, L->conv_out);
  else if (L->pool == POOL_GLOBAL) global_avgpool_backward(L->dz, B, H, W, N, L->conv_out);
}

/* What follows L's product and pooling, over its B x P rows of N features:
 * batch norm into z (batch statistics in training, else the running ones),
 * the shortcut, and for a hidden layer the signs, packed as the layer above
 * reads them. After training's statistics (or eval's whole batch norm), the
 * rest runs a group of rows at a time, each group's z still in L1 for the
 * next step: the groups of sign_forward (whole packed rows), or of
 * SIGN_GROUP_FLOATS floats for the output layer. In training a layer that
 * does not keep z (Layer.keeps_z) normalises each group into a buffer on the
 * stack: its z is never written to memory. */
typedef struct {
  Layer *L;
  const Layer *below;
  int normalize, hidden, floats; /* floats: the signs as +-1 floats too */
  size_t width, group; /* floats per packed row (or per BN row); rows per group */
} Epilogue;

static void epilogue_rows(void *ctx, size_t r0, size_t r1) {
  const Epilogue *e = ctx;
  Layer *L = e->L;
  float group_z[SIGN_GROUP_FLOATS];
  for (size_t r = r0; r < r1; r += e->group) {
    size_t rows = r1 - r < e->group ? r1 - r : e->group;
    size_t at = r * e->width, count = rows * e->width;
    int on_stack = e->normalize && !L->keeps_z && count <= SIGN_GROUP_FLOATS;
    float *z = on_stack ? group_z : L->z + at;
    if (e->normalize)
      bn_normalize_rows(L->h + at, count / L->out, L->out, L->mean, L->rstd, L->bn_scale,
                        L->bn_shift, z);
    if (L->shortcut) kernels()->add_into(z, e->below->z + at, count);
    if (e->hidden)
      sign_forward(z, rows, e->width, e->floats ? L->a + at : NULL,
                   L->abits + r * bits_words(e->width));
  }
}

/* Below this many values the groups run on the calling thread. */
#define MIN_PARALLEL_VALUES ((size_t)1 << 17)

static void layer_epilogue(Layer *L, const Layer *below, size_t B, int training, int hidden,
                           int floats) {
  size_t bn_rows = B * L->pixels, values = layer_values(L, B);
  if (training)
    bn_train_statistics(L->h, bn_rows, L->out, L->mean, L->rstd, L->run_mean, L->run_var);
  else
    bn_forward_eval(L->h, bn_rows, L->out, L->bn_scale, L->bn_shift, L->run_mean, L->run_var,
                    L->z);
  size_t rows = hidden ? B * L->pack_rows : bn_rows;
  Epilogue e = {L, below, training, hidden, floats, values / rows, 0};
  e.group = sign_group_rows(e.width);
  if (values < MIN_PARALLEL_VALUES) epilogue_rows(&e, 0, rows);
  else par_for(rows, 1, epilogue_rows, &e);
}

/* x[r][n] *= alpha[n] over rows of N: a layer's scale, forward on h and
 * backward on dL/dh (alpha held constant, as XNOR-Net's gradient does). */
static void scale_rows(float *x, size_t rows, size_t N, const float *alpha) {
  for (size_t r = 0; r < rows; r++)
    for (size_t n = 0; n < N; n++) x[r * N + n] *= alpha[n];
}

/* Layer L's forward pass on the output of `below` (NULL: the data x) for
 * the layer `above` (NULL: L is the top): product (real weights and the
 * first layer read floats, the others packed signs), pooling (fused with a
 * binary convolution's product for max pooling), then layer_epilogue. */
static void layer_forward(Model *m, const MatmulKernels *mm, Layer *L, const Layer *below,
                          const Layer *above, const float *x, size_t B, int training) {
  int floats = !below || is_real(m, L);
  const float *in = below ? below->a : x;
  if (L->conv && !floats && L->pool == POOL_MAX2)
    conv_forward_binary_maxpool(&L->geom, below->abits, L->bits, B, L->h, L->pool_arg,
                                m->scratch);
  else {
    product_forward(m, mm, L, floats ? in : NULL, floats ? NULL : below->abits, B,
                    L->pool ? L->conv_out : L->h);
    pool_forward(L, B);
  }
  if (L->scale) scale_rows(L->h, B * L->pixels, L->out, L->scale);
  layer_epilogue(L, below, B, training, above != NULL,
                 above && (!training || input_floats_written(m, mm, above)));
}

const float *model_forward(Model *m, const float *x, size_t B, int training) {
  const MatmulKernels *mm = matmul_for(m->precision);
  Layer *seq[MODEL_MAX_LAYERS + 2];
  size_t n = model_sequence(m, seq);
  for (size_t d = 0; d < n; d++)
    layer_forward(m, mm, seq[d], d ? seq[d - 1] : NULL, d + 1 < n ? seq[d + 1] : NULL, x, B,
                  training);
  return seq[n - 1]->z;
}

const float *model_layer_z(const Layer *L, size_t B, int training, float *buf) {
  if (!training || L->keeps_z) return L->z;
  bn_normalize_rows(L->h, B * L->pixels, L->out, L->mean, L->rstd, L->bn_scale, L->bn_shift,
                    buf);
  return buf;
}

/* Runs the model's update on rows [r0, r1) of one layer, then re-packs those
 * rows' bits if any sign flipped (model_packs_layer says which layers use them),
 * REPACK_ROWS rows at a time: the signs the update has just written are still
 * in L1 when they are packed (16 rows of 1024 floats, 64 KB; W1 bf16 profiles:
 * the packing took 30 % fewer CPU samples than after whole 128-row blocks). */
enum { REPACK_ROWS = 16 };

typedef struct {
  Model *m;
  size_t layer;
  const ModelUpdate *update;
} RowUpdate;

static size_t update_and_repack(const RowUpdate *u, size_t r0, size_t r1) {
  Layer *L = &u->m->layer[u->layer];
  size_t flips = u->update->fn(u->update->ctx, u->layer, r0 * L->in, r1 * L->in);
  if (flips && model_packs_layer(u->m, u->layer)) {
    uint64_t *bits = L->bits + r0 * bits_words(L->in);
    bits_pack_rows(L->sign + r0 * L->in, r1 - r0, L->in, bits);
    if (u->update->repacked)
      u->update->repacked(u->update->ctx, u->layer, r0 * L->in, r1 * L->in, flips, bits);
  }
  return flips;
}

static size_t update_rows(void *ctx, size_t r0, size_t r1) {
  size_t flips = 0;
  for (size_t r = r0; r < r1; r += REPACK_ROWS)
    flips += update_and_repack(ctx, r, r + REPACK_ROWS < r1 ? r + REPACK_ROWS : r1);
  return flips;
}

/* From dz = dL/dh (h: L's product, or its pooling): dx (B x in_features;
 * NULL: none) = dL/dx through the weights (the signs before this step's
 * flips), and grad (N x K) = dL/dW from the product's gradient and the
 * layer's input x, then the update on each block of rows; returns the
 * flips. Max pooling's gradient is unpooled by conv_backward (on the fly
 * where it can), the others' by pool_backward into conv_out. */
static size_t product_backward(const Model *m, const MatmulKernels *mm, Layer *L,
                               const MatmulOperand *x, size_t B, float *dx,
                               const DenseUpdate *update) {
  MatmulOperand w = weights_operand(m, L);
  if (!L->conv) {
    if (dx) dense_backward_input(mm, L->dz, &w, B, L->in, L->out, dx);
    return dense_backward_weights(mm, L->dz, x, B, L->in, L->out, L->grad, update);
  }
  ConvGradient dy = {L->dz, NULL, NULL};
  if (L->pool == POOL_MAX2) dy = (ConvGradient){L->dz, L->pool_arg, L->conv_out};
  else if (L->pool) pool_backward(L, B), dy.values = L->conv_out;
  return conv_backward(mm, &L->geom, &dy, &w, x, B, dx, L->grad, update, m->scratch);
}

/* Binary layer l's weight update, or NULL for a real layer or no update. */
static const DenseUpdate *layer_update(Model *m, const Layer *L, const ModelUpdate *update,
                                       RowUpdate *rows, DenseUpdate *out) {
  if (!update || is_real(m, L)) return NULL;
  *rows = (RowUpdate){m, (size_t)(L - m->layer), update};
  *out = (DenseUpdate){update_rows, rows};
  return out;
}

/* Rows [r0, r1) of L's dL/dz, from the input gradient da that the layer
 * above left in m->dx: the STE at L's z (where L does not keep z, taken
 * afresh from h into dz: the forward's arithmetic, so the same bits),
 * plus, past a real shortcut above, the gradient the shortcut carries (the
 * upper layer's shortcut_dz); kept in L's shortcut_dz too when L has a
 * shortcut itself (bn_backward overwrites dz with dL/dh). */
typedef struct {
  const Model *m;
  Layer *L;
  const Layer *upper;
} SteRows;

static void ste_group(const SteRows *s, size_t r0, size_t r1) {
  Layer *L = s->L;
  size_t at = r0 * L->out, count = (r1 - r0) * L->out;
  const float *z = L->z + at;
  if (!L->keeps_z) {
    bn_normalize_rows(L->h + at, r1 - r0, L->out, L->mean, L->rstd, L->bn_scale, L->bn_shift,
                      L->dz + at);
    z = L->dz + at;
  }
  ste_backward(s->m->spec.ste, s->m->dx + at, z, count, L->dz + at);
  if (s->upper->shortcut) kernels()->add_into(L->dz + at, s->upper->shortcut_dz + at, count);
  if (L->shortcut) memcpy(L->shortcut_dz + at, L->dz + at, count * sizeof(float));
}

/* The rows in groups of sign_group_rows, each group's z and dz in L1. */
static void ste_rows(void *ctx, size_t r0, size_t r1) {
  const SteRows *s = ctx;
  size_t group = sign_group_rows(s->L->out);
  for (size_t r = r0; r < r1; r += group) ste_group(s, r, r + group < r1 ? r + group : r1);
}

void model_backward(Model *m, const float *x, size_t B, const float *dlogits,
                    const ModelUpdate *update, size_t *layer_flips) {
  const MatmulKernels *mm = matmul_for(m->precision);
  Layer *seq[MODEL_MAX_LAYERS + 2];
  const Layer *upper = NULL;
  for (size_t d = model_sequence(m, seq); d-- > 0;) {
    Layer *L = seq[d], *below = d ? seq[d - 1] : NULL;
    size_t rows = B * L->pixels;
    /* The top layer's dL/dz is dlogits (it is the classifier: no shortcut to
     * keep it for); below it the STE makes it, block by block, inside batch
     * norm's first pass. */
    SteRows ste = {m, L, upper};
    BnRowsFill fill = {ste_rows, &ste};
    bn_backward(upper ? L->dz : dlogits, L->h, L->mean, L->rstd, L->bn_scale, rows, L->out,
                L->dz, L->bn_dscale, L->bn_dshift, upper ? &fill : NULL);
    if (L->scale) scale_rows(L->dz, rows, L->out, L->scale);
    RowUpdate row_update;
    DenseUpdate dense;
    const DenseUpdate *up = layer_update(m, L, update, &row_update, &dense);
    MatmulOperand input = input_operand(m, mm, L, below, x);
    size_t flips = product_backward(m, mm, L, &input, B, below ? m->dx : NULL, up);
    if (layer_flips && !is_real(m, L)) layer_flips[L - m->layer] = flips;
    upper = L;
  }
}
