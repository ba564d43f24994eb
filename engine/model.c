/* model.c — building the binary MLP and running its forward and backward passes. */
#include "engine/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/activation.h"
#include "engine/batchnorm.h"
#include "engine/bitpack.h"
#include "engine/dense.h"
#include "engine/kernels.h"
#include "engine/rng.h"

#define MODEL_MAX_WIDTH 65536

int model_spec_parse(const char *text, ModelSpec *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (strncmp(text, "mlp:", 4) != 0) {
    snprintf(err, errlen, "--model: '%s' is not of the form mlp:H1xH2... (e.g. mlp:1024x1024)", text);
    return -1;
  }
  const char *p = text + 4;
  while (*p) {
    if (out->n_hidden == MODEL_MAX_LAYERS - 1) {
      snprintf(err, errlen, "--model: at most %d hidden layers", MODEL_MAX_LAYERS - 1);
      return -1;
    }
    char *end;
    errno = 0;
    unsigned long long w = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : 0;
    if (*p < '0' || *p > '9' || errno || w == 0 || w > MODEL_MAX_WIDTH || (*end && *end != 'x') ||
        (*end == 'x' && !end[1])) {
      snprintf(err, errlen, "--model: bad layer width in '%s' (widths 1..%d separated by 'x')", text,
               MODEL_MAX_WIDTH);
      return -1;
    }
    out->hidden[out->n_hidden++] = (size_t)w;
    p = *end ? end + 1 : end;
  }
  return 0;
}

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

/* Lays out (or, with NULL bases, measures) the three blocks. */
static void model_layout(Model *m, Carver *weights, Carver *reals, Carver *acts) {
  size_t B = m->batch_cap, max_in = 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    size_t K = L->in, N = L->out;
    L->sign = carve(weights, N * K * sizeof(float));
    L->grad = carve(weights, N * K * sizeof(float));
    L->bits = carve(weights, N * bits_words(K) * sizeof(uint64_t));
    if (K > max_in) max_in = K;
  }
  float *r = carve(reals, 2 * m->n_real * sizeof(float));
  float *g = carve(reals, 2 * m->n_real * sizeof(float));
  m->real_params = r;
  m->real_grads = g;
  size_t off = 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    size_t N = L->out;
    L->bn_scale = r ? r + off : NULL;
    L->bn_dscale = g ? g + off : NULL;
    L->bn_shift = r ? r + off + N : NULL;
    L->bn_dshift = g ? g + off + N : NULL;
    /* Running statistics follow the trained parameters, outside n_real. */
    L->run_mean = r ? r + m->n_real + off : NULL;
    L->run_var = r ? r + m->n_real + off + N : NULL;
    off += 2 * N;
    L->h = carve(acts, B * N * sizeof(float));
    L->xhat = carve(acts, B * N * sizeof(float));
    L->rstd = carve(acts, N * sizeof(float));
    L->z = carve(acts, B * N * sizeof(float));
    L->a = carve(acts, B * N * sizeof(float));
    L->abits = carve(acts, B * bits_words(N) * sizeof(uint64_t));
    L->dz = carve(acts, B * N * sizeof(float));
  }
  m->dx = carve(acts, B * max_in * sizeof(float));
}

int model_create(Model *m, const ModelSpec *spec, size_t input_dim, size_t classes,
                 size_t batch_cap, uint64_t seed, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  m->n_layers = spec->n_hidden + 1;
  m->input_dim = input_dim;
  m->classes = classes;
  m->batch_cap = batch_cap;
  for (size_t l = 0; l < m->n_layers; l++) {
    m->layer[l].in = l == 0 ? input_dim : spec->hidden[l - 1];
    m->layer[l].out = l == spec->n_hidden ? classes : spec->hidden[l];
    m->n_real += 2 * m->layer[l].out;
  }
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
    for (size_t n = 0; n < L->out; n++) {
      L->bn_scale[n] = 1.0f;
      L->run_var[n] = 1.0f;
    }
  }
  return 0;
}

size_t model_bytes(const ModelSpec *spec, size_t input_dim, size_t classes, size_t batch_cap) {
  Model m = {.n_layers = spec->n_hidden + 1, .input_dim = input_dim, .classes = classes,
             .batch_cap = batch_cap};
  for (size_t l = 0; l < m.n_layers; l++) {
    m.layer[l].in = l == 0 ? input_dim : spec->hidden[l - 1];
    m.layer[l].out = l == spec->n_hidden ? classes : spec->hidden[l];
    m.n_real += 2 * m.layer[l].out;
  }
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

const float *model_forward(Model *m, const float *x, size_t B, int training) {
  const MatmulKernels *mm = matmul_for(m->precision);
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    if (l == 0)
      dense_forward_real(mm, x, L->sign, B, L->in, L->out, L->h);
    else
      dense_forward_binary(m->layer[l - 1].abits, L->bits, B, L->in, L->out, L->h);
    if (training)
      bn_forward_train(L->h, B, L->out, L->bn_scale, L->bn_shift, L->xhat, L->rstd, L->z,
                       L->run_mean, L->run_var);
    else
      bn_forward_eval(L->h, B, L->out, L->bn_scale, L->bn_shift, L->run_mean, L->run_var, L->z);
    if (l + 1 < m->n_layers) sign_forward(L->z, B, L->out, L->a, L->abits);
  }
  return m->layer[m->n_layers - 1].z;
}

/* Runs the model's update on rows [r0, r1) of one layer, then re-packs those
 * rows' bits if any sign flipped (the first layer has no packed copy in use). */
typedef struct {
  Model *m;
  size_t layer;
  const ModelUpdate *update;
} RowUpdate;

static size_t update_rows(void *ctx, size_t r0, size_t r1) {
  const RowUpdate *u = ctx;
  Layer *L = &u->m->layer[u->layer];
  size_t flips = u->update->fn(u->update->ctx, u->layer, r0 * L->in, r1 * L->in);
  if (flips && u->layer > 0) {
    uint64_t *bits = L->bits + r0 * bits_words(L->in);
    bits_pack_rows(L->sign + r0 * L->in, r1 - r0, L->in, bits);
    if (u->update->repacked)
      u->update->repacked(u->update->ctx, u->layer, r0 * L->in, r1 * L->in, flips, bits);
  }
  return flips;
}

void model_backward(Model *m, const float *x, size_t B, const float *dlogits,
                    const ModelUpdate *update, size_t *layer_flips) {
  const MatmulKernels *mm = matmul_for(m->precision);
  const float *dz = dlogits;
  for (size_t l = m->n_layers; l-- > 0;) {
    Layer *L = &m->layer[l];
    bn_backward(dz, L->xhat, L->rstd, L->bn_scale, B, L->out, L->dz, L->bn_dscale,
                L->bn_dshift);
    /* The input gradient uses the signs before this step's flips. */
    if (l > 0) dense_backward_input(mm, L->dz, L->sign, B, L->in, L->out, m->dx);
    RowUpdate rows = {m, l, update};
    DenseUpdate dense_update = {update_rows, &rows};
    const float *input = l == 0 ? x : m->layer[l - 1].a;
    size_t flips = dense_backward_weights(mm, L->dz, input, B, L->in, L->out, L->grad,
                                          update ? &dense_update : NULL);
    if (layer_flips) layer_flips[l] = flips;
    if (l == 0) break;
    Layer *below = &m->layer[l - 1];
    ste_backward(m->dx, below->z, B * below->out, below->dz);
    dz = below->dz;
  }
}
