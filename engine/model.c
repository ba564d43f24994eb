/* model.c — building a model: its memory, laid out once, and its initial
 * weights (model_shape.c has the shapes, model_pass.c the passes). */
#include "engine/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bitpack.h"
#include "engine/conv.h"
#include "engine/error.h"
#include "engine/model_shape.h"
#include "engine/parallel.h"
#include "engine/rng.h"

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

/* Carves a layer's batch buffers (B samples) from acts. */
static void layout_batch(Layer *L, size_t B, Carver *acts) {
  size_t N = L->out, values = layer_values(L, B), rows = B * L->pack_rows;
  L->h = carve(acts, values * sizeof(float));
  L->mean = carve(acts, N * sizeof(float));
  L->rstd = carve(acts, N * sizeof(float));
  L->shortcut_dz = L->shortcut ? carve(acts, values * sizeof(float)) : NULL;
  L->z = carve(acts, values * sizeof(float));
  L->a = carve(acts, values * sizeof(float));
  L->abits = carve(acts, rows * bits_words(rows ? values / rows : 0) * sizeof(uint64_t));
  L->dz = carve(acts, values * sizeof(float));
  size_t products = L->conv ? B * L->geom.out_height * L->geom.out_width * N : 0;
  L->conv_out = L->pool ? carve(acts, products * sizeof(float)) : NULL;
  L->pool_arg = L->pool == POOL_MAX2 ? carve(acts, values) : NULL;
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
  if (m->spec.real_first) out[n++] = &m->real_first;
  if (m->spec.real_last) out[n++] = &m->real_last;
  return n;
}

/* The convolutions' scratch, for the thread pool as it is now. */
static size_t scratch_bytes(Model *m) {
  Layer *seq[MODEL_MAX_LAYERS + 2];
  size_t n = model_sequence(m, seq), bytes = 0;
  m->scratch_threads = (size_t)par_threads();
  for (size_t d = 0; d < n; d++) {
    size_t b = seq[d]->conv ? conv_scratch_bytes(&seq[d]->geom, m->scratch_threads) : 0;
    if (b > bytes) bytes = b;
  }
  return bytes;
}

/* Lays out (or, with NULL bases, measures) the four blocks. */
static void model_layout(Model *m, Carver *weights, Carver *reals, Carver *acts, Carver *scratch) {
  size_t B = m->batch_cap, max_in = 0;
  Layer *real[2];
  size_t n_real_layers = real_layers(m, real), n_stats = 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    Layer *L = &m->layer[l];
    size_t K = L->in, N = L->out;
    L->sign = carve(weights, N * K * sizeof(float));
    L->grad = carve(weights, N * K * sizeof(float));
    L->bits = carve(weights, N * bits_words(K) * sizeof(uint64_t));
    if (L->in_features > max_in) max_in = L->in_features;
    n_stats += 2 * N;
  }
  for (size_t k = 0; k < n_real_layers; k++) {
    if (real[k]->in_features > max_in) max_in = real[k]->in_features;
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
    Layer *L = &m->layer[l];
    L->scale = m->spec.scale != SCALE_NONE ? carve(acts, L->out * sizeof(float)) : NULL;
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
  m->scratch = carve(scratch, scratch_bytes(m));
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
    if (L->scale) L->scale[n] = 1.0f;
  }
}

int model_create(Model *m, const ModelSpec *spec, const ModelInput *in, size_t classes,
                 size_t batch_cap, uint64_t seed, char *err, size_t errlen) {
  int rc = model_shape(m, spec, in, classes, batch_cap, err, errlen);
  if (rc) return rc;
  Carver sizes[4] = {{0}};
  model_layout(m, &sizes[0], &sizes[1], &sizes[2], &sizes[3]);
  Carver blocks[4];
  for (int b = 0; b < 4; b++) {
    m->blocks[b] = aligned_alloc(64, sizes[b].used ? sizes[b].used : 64);
    if (!m->blocks[b]) {
      model_free(m);
      snprintf(err, errlen, "out of memory allocating the model (%zu MB)", sizes[b].used >> 20);
      return ERR_RUNTIME;
    }
    memset(m->blocks[b], 0, sizes[b].used);
    blocks[b] = (Carver){m->blocks[b], 0};
  }
  model_layout(m, &blocks[0], &blocks[1], &blocks[2], &blocks[3]);

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

size_t model_bytes(const ModelSpec *spec, const ModelInput *in, size_t classes, size_t batch_cap) {
  Model m;
  char err[8];
  if (model_shape(&m, spec, in, classes, batch_cap, err, sizeof err)) return 0;
  Carver sizes[4] = {{0}};
  model_layout(&m, &sizes[0], &sizes[1], &sizes[2], &sizes[3]);
  return sizes[0].used + sizes[1].used + sizes[2].used + sizes[3].used;
}

void model_free(Model *m) {
  for (int b = 0; b < 4; b++) free(m->blocks[b]);
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

size_t layer_values(const Layer *L, size_t B) { return B * L->pixels * L->out; }

const char *const scale_names[SCALE_KIND_COUNT] = {"none", "mean"};

int model_packs_layer(const Model *m, size_t l) {
  return l > 0 || m->spec.real_first || m->precision == PRECISION_BF16;
}
