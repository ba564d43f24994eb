/* model.c — building the binary MLP and running its forward and backward passes. */
#include "engine/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/activation.h"
#include "engine/batchnorm.h"
#include "engine/bitpack.h"
#include "engine/dense.h"
#include "engine/error.h"
#include "engine/kernels.h"
#include "engine/rng.h"

void model_spec_format(const ModelSpec *spec, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "mlp:");
  for (size_t i = 0; i < spec->n_hidden && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, i ? "x%zu" : "%zu", spec->hidden[i]);
}

/* Hands out consecutive 64-byte-aligned pieces of one block. */
typedef struct {
  char *base;
  size_t used;
} Carver;

static void *carve(Carver *c, size_t bytes) {
  void *p = c->base ? c->base + c->used : NULL;
  c->used += (bytes + 63) / 64 * 64;
  return p;
}

int model_spec_check(const ModelSpec *spec, char *err, size_t errlen) {
  int real = (spec->real_first != 0) + (spec->real_last != 0);
  if (spec->n_hidden + 1 > (size_t)real) return 0;
  char which[128];
  if (real == 2)
    snprintf(which, sizeof which, "%s and %s leave", error_setting("real-first").text,
             error_setting("real-last").text);
  else
    snprintf(which, sizeof which, "%s leaves",
             error_setting(spec->real_first ? "real-first" : "real-last").text);
  snprintf(err, errlen, "%s no binary layer: give %s at least %d hidden layer%s", which,
           error_setting("model").text, real, real == 2 ? "s" : "");
  return -1;
}

void model_spec_describe(const ModelSpec *spec, char *buf, size_t len) {
  model_spec_format(spec, buf, len);
  size_t used = strlen(buf);
  if (spec->real_first && used < len) used += (size_t)snprintf(buf + used, len - used, " real-first");
  if (spec->real_last && used < len) snprintf(buf + used, len - used, " real-last");
}

/* Carves a layer's batch buffers (B rows) from acts. */
static void layout_batch(Layer *L, size_t B, Carver *acts) {
  size_t N = L->out;
  L->h = carve(acts, B * N * sizeof(float));
  L->xhat = carve(acts, B * N * sizeof(float));
  L->rstd = carve(acts, N * sizeof(float));
  L->z = carve(acts, B * N * sizeof(float));
  L->a = carve(acts, B * N * sizeof(float));
  L->abits = carve(acts, B * bits_words(N) * sizeof(uint64_t));
  L->dz = carve(acts, B * N * sizeof(float));
}

/* Points a layer's batch-norm parameters at r + off (gradients at g + off)
 * and its running statistics at r + stats; moves both offsets on. */
static void layout_norm(Layer *L, float *r, float *g, size_t *off, size_t *stats) {
  size_t N = L->out;
  L->bn_scale = r ? r + *off : NULL;
  L->bn_dscale = g ? g + *off : NULL;
  L->bn_shift = r ? r + *off + N : NULL;
  L->bn_dshift = g ? g + *off + N : NULL;
  L->run_mean = r ? r + *stats : NULL;
  L->run_var = r ? r + *stats + N : NULL;
  *off += 2 * N;
  *stats += 2 * N;
}

/* The real layers of m in order (first, then last); returns how many. */
static size_t real_layers(Model *m, Layer **out) {
  size_t n = 0;
  if (m->has_real_first) out[n++] = &m->real_first;
  if (m->has_real_last) out[n++] = &m->real_last;
  return n;
}

/* Lays out (or, with NULL bases, measures) the three blocks. */
static void model_layout(Model *m, Carver *weights, Carver *reals, Carver *acts) {
  size_t B = m->batch_cap, max_in = 0;
  Layer *real[2];
  size_t n_real_layers = real_layers(m, real), n_stats = 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    size_t K = L->in, N = L->out;
    L->sign = carve(weights, N * K * sizeof(float));
    L->grad = carve(weights, N * K * sizeof(float));
    L->bits = carve(weights, N * bits_words(K) * sizeof(uint64_t));
    if (K > max_in) max_in = K;
    n_stats += 2 * N;
  }
  for (size_t k = 0; k < n_real_layers; k++) {
    if (real[k]->in > max_in) max_in = real[k]->in;
    n_stats += 2 * real[k]->out;
  }
  /* Running statistics follow the trained parameters, outside n_real. */
  float *r = carve(reals, (m->n_real + n_stats) * sizeof(float));
  float *g = carve(reals, (m->n_real + n_stats) * sizeof(float));
  m->real_params = r;
  m->real_grads = g;
  size_t off = 0, stats = m->n_real;
  for (size_t l = 0; l < m->n_layers; l++) {
    layout_norm(&m->layer[l], r, g, &off, &stats);
    layout_batch(&m->layer[l], B, acts);
  }
  for (size_t k = 0; k < n_real_layers; k++) {
    Layer *L = real[k];
    L->sign = r ? r + off : NULL;
    L->grad = g ? g + off : NULL;
    off += L->in * L->out;
    layout_norm(L, r, g, &off, &stats);
    layout_batch(L, B, acts);
  }
  m->dx = carve(acts, B * max_in * sizeof(float));
}

/* Sets m's shape from the spec: dense layer d maps width d to width d + 1 of
 * input, hidden..., classes; the real ones are taken off the ends of layer[]. */
static void model_shape(Model *m, const ModelSpec *spec, size_t input_dim, size_t classes,
                        size_t batch_cap) {
  memset(m, 0, sizeof *m);
  m->input_dim = input_dim;
  m->classes = classes;
  m->batch_cap = batch_cap;
  m->has_real_first = spec->real_first != 0;
  m->has_real_last = spec->real_last != 0;
  size_t dense = spec->n_hidden + 1, first = (size_t)m->has_real_first;
  m->n_layers = dense - first - (size_t)m->has_real_last;
  for (size_t d = 0; d < dense; d++) {
    Layer *L = d < first ? &m->real_first
             : d - first < m->n_layers ? &m->layer[d - first] : &m->real_last;
    L->in = d == 0 ? input_dim : spec->hidden[d - 1];
    L->out = d == spec->n_hidden ? classes : spec->hidden[d];
    m->n_real += 2 * L->out + (L == &m->real_first || L == &m->real_last ? L->in * L->out : 0);
  }
}

/* Draws the real layers' initial weights, uniform with unit variance of
 * their outputs for unit-variance inputs. */
static void init_real_weights(Model *m, uint64_t seed) {
  Rng rng;
  rng_seed(&rng, seed, RNG_STREAM_REAL);
  Layer *real[2];
  size_t n = real_layers(m, real);
  for (size_t k = 0; k < n; k++) {
    float bound = sqrtf(3.0f / (float)real[k]->in);
    for (size_t j = 0; j < real[k]->in * real[k]->out; j++)
      real[k]->sign[j] = bound * (2.0f * rng_uniform(&rng) - 1.0f);
  }
}

/* Batch norm's identity start: scale 1 and running variance 1. */
static void init_norm(Layer *L) {
  for (size_t n = 0; n < L->out; n++) {
    L->bn_scale[n] = 1.0f;
    L->run_var[n] = 1.0f;
  }
}

int model_create(Model *m, const ModelSpec *spec, size_t input_dim, size_t classes,
                 size_t batch_cap, uint64_t seed, char *err, size_t errlen) {
  if (model_spec_check(spec, err, errlen)) return -1;
  model_shape(m, spec, input_dim, classes, batch_cap);
  Carver sizes[3] = {{0}};
  model_layout(m, &sizes[0], &sizes[1], &sizes[2]);
  Carver blocks[3];
  for (int b = 0; b < 3; b++) {
    m->blocks[b] = aligned_alloc(64, sizes[b].used ? sizes[b].used : 64);
    if (!m->blocks[b]) {
      model_free(m);
      snprintf(err, errlen, "out of memory allocating the model (%zu MB)", sizes[b].used >> 20);
      return -1;
    }
    memset(m->blocks[b], 0, sizes[b].used);
    blocks[b] = (Carver){m->blocks[b], 0};
  }
  model_layout(m, &blocks[0], &blocks[1], &blocks[2]);

  Rng rng;
  rng_seed(&rng, seed, RNG_STREAM_SIGNS);
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    for (size_t j = 0; j < L->in * L->out; j++) L->sign[j] = (rng_next(&rng) >> 63) ? 1.0f : -1.0f;
    model_repack(m, l);
    init_norm(L);
  }
  init_real_weights(m, seed);
  Layer *real[2];
  for (size_t k = 0, n = real_layers(m, real); k < n; k++) init_norm(real[k]);
  return 0;
}

size_t model_bytes(const ModelSpec *spec, size_t input_dim, size_t classes, size_t batch_cap) {
  Model m;
  model_shape(&m, spec, input_dim, classes, batch_cap);
  Carver sizes[3] = {{0}};
  model_layout(&m, &sizes[0], &sizes[1], &sizes[2]);
  return sizes[0].used + sizes[1].used + sizes[2].used;
}

void model_free(Model *m) {
  for (int b = 0; b < 3; b++) free(m->blocks[b]);
  memset(m, 0, sizeof *m);
}

size_t model_binary_weights(const Model *m) {
  size_t total = 0;
  for (size_t l = 0; l < m->n_layers; l++) total += m->layer[l].in * m->layer[l].out;
  return total;
}

void model_repack(Model *m, size_t l) {
  Layer *L = &m->layer[l];
  bits_pack_rows(L->sign, L->out, L->in, L->bits);
}

/* Batch norm of a layer's product h into z (batch or running statistics). */
static void norm_forward(Layer *L, size_t B, int training) {
  if (training)
    bn_forward_train(L->h, B, L->out, L->bn_scale, L->bn_shift, L->xhat, L->rstd, L->z,
                     L->run_mean, L->run_var);
  else
    bn_forward_eval(L->h, B, L->out, L->bn_scale, L->bn_shift, L->run_mean, L->run_var, L->z);
}

/* A real layer's forward pass on float input x: product, batch norm, and
 * (unless it gives the logits) the signs. */
static void real_forward(const MatmulKernels *mm, Layer *L, const float *x, size_t B, int training,
                         int hidden) {
  dense_forward_real(mm, x, L->sign, B, L->in, L->out, L->h);
  norm_forward(L, B, training);
  if (hidden) sign_forward(L->z, B, L->out, L->a, L->abits);
}

const float *model_forward(Model *m, const float *x, size_t B, int training) {
  const MatmulKernels *mm = matmul_for(m->precision);
  if (m->has_real_first) real_forward(mm, &m->real_first, x, B, training, 1);
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    if (l == 0 && !m->has_real_first)
      dense_forward_real(mm, x, L->sign, B, L->in, L->out, L->h);
    else
      dense_forward_binary(l ? m->layer[l - 1].abits : m->real_first.abits, L->bits, B, L->in,
                           L->out, L->h);
    norm_forward(L, B, training);
    if (l + 1 < m->n_layers || m->has_real_last) sign_forward(L->z, B, L->out, L->a, L->abits);
  }
  if (m->has_real_last) {
    real_forward(mm, &m->real_last, m->layer[m->n_layers - 1].a, B, training, 0);
    return m->real_last.z;
  }
  return m->layer[m->n_layers - 1].z;
}

/* Runs the model's update on rows [r0, r1) of one layer, then re-packs those
 * rows' bits if any sign flipped (model_packs_layer says which layers use them). */
typedef struct {
  Model *m;
  size_t layer;
  const ModelUpdate *update;
} RowUpdate;

static size_t update_rows(void *ctx, size_t r0, size_t r1) {
  const RowUpdate *u = ctx;
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

/* A real layer's backward pass from dz (dL/dz, B x out) for its float input
 * x: batch norm, its weight gradient, and (dx not NULL) its input gradient. */
static void real_backward(const MatmulKernels *mm, Layer *L, const float *dz, const float *x,
                          size_t B, float *dx) {
  bn_backward(dz, L->xhat, L->rstd, L->bn_scale, B, L->out, L->dz, L->bn_dscale, L->bn_dshift);
  if (dx) dense_backward_input(mm, L->dz, L->sign, B, L->in, L->out, dx);
  dense_backward_weights(mm, L->dz, x, B, L->in, L->out, L->grad, NULL);
}

void model_backward(Model *m, const float *x, size_t B, const float *dlogits,
                    const ModelUpdate *update, size_t *layer_flips) {
  const MatmulKernels *mm = matmul_for(m->precision);
  const float *dz = dlogits;
  if (m->has_real_last) {
    Layer *top = &m->layer[m->n_layers - 1];
    real_backward(mm, &m->real_last, dlogits, top->a, B, m->dx);
    ste_backward(m->dx, top->z, B * top->out, top->dz);
    dz = top->dz;
  }
  for (size_t l = m->n_layers; l-- > 0;) {
    Layer *L = &m->layer[l];
    bn_backward(dz, L->xhat, L->rstd, L->bn_scale, B, L->out, L->dz, L->bn_dscale,
                L->bn_dshift);
    Layer *below = l ? &m->layer[l - 1] : m->has_real_first ? &m->real_first : NULL;
    /* The input gradient uses the signs before this step's flips. */
    if (below) dense_backward_input(mm, L->dz, L->sign, B, L->in, L->out, m->dx);
    RowUpdate rows = {m, l, update};
    DenseUpdate dense_update = {update_rows, &rows};
    const float *input = below ? below->a : x;
    size_t flips = dense_backward_weights(mm, L->dz, input, B, L->in, L->out, L->grad,
                                          update ? &dense_update : NULL);
    if (layer_flips) layer_flips[l] = flips;
    if (!below) break;
    ste_backward(m->dx, below->z, B * below->out, below->dz);
    dz = below->dz;
  }
  if (m->has_real_first) real_backward(mm, &m->real_first, m->real_first.dz, x, B, NULL);
}

int model_packs_layer(const Model *m, size_t l) { return l > 0 || m->has_real_first; }
