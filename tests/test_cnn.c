/* test_cnn.c — binary CNNs as a whole (engine/model_pass.c over conv.h and
 * pool.h): the forward pass equals the layers' definitions chained by hand
 * (conv_reference.h, plain loops, the pooling and batch norm of the engine),
 * bit for bit; the backward pass equals the same chain's gradients within
 * the rounding of their sums; glyphs are learnt; checkpoints continue
 * exactly and refuse another spec; flat data refuses a cnn: model; the
 * telemetry counts each convolution's flips per output channel. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/model_text.h"
#include "datasets/load.h"
#include "engine/activation.h"
#include "engine/batchnorm.h"
#include "engine/checkpoint.h"
#include "engine/conv.h"
#include "engine/conv_reference.h"
#include "engine/error.h"
#include "engine/loss.h"
#include "engine/model.h"
#include "engine/parallel.h"
#include "engine/pool.h"
#include "engine/rng.h"
#include "engine/telemetry.h"
#include "engine/trainer.h"
#include "membuf.h"
#include "proc.h"

#define B 3
#define CLASSES 3
/* 6x6x2 images: a convolution pooled to 3x3, one with the real shortcut, a
 * 2x2 valid one pooled globally, a dense layer and the classifier. */
#define SPEC "cnn:c4-p-c4r-c5k2v-g-f7"
static const ModelInput input = {72, 6, 6, 2};

static char err[512];

/* The chain by hand: per layer its input, product, batch-norm buffers and
 * output, as the model keeps them. */
typedef struct {
  float *in, *prod, *h, *batch_mean, *rstd, *z, *a, *mean, *var;
  uint8_t *arg;
  float *dz, *dh, *dprod, *dw, *dscale, *dshift, *dx;
} RefLayer;

static float *zeros(size_t n) {
  float *p = calloc(n ? n : 1, sizeof *p);
  cr_assert_not_null(p);
  return p;
}

static void build(Model *m, const char *text) {
  ModelSpec spec;
  cr_assert_eq(model_text_parse(text, &spec, err, sizeof err), 0, "%s", err);
  cr_assert_eq(model_create(m, &spec, &input, CLASSES, B, 11, err, sizeof err), 0, "%s", err);
}

/* Inputs in multiples of 1/8 keep every product exact, whatever the order. */
static void batch(float *x, uint8_t *y) {
  Rng r;
  rng_seed(&r, 5, 0);
  for (size_t i = 0; i < B * input.dim; i++) x[i] = (float)((int)(rng_next(&r) % 17) - 8) / 8.0f;
  for (int b = 0; b < B; b++) y[b] = (uint8_t)(b % CLASSES);
}

/* y (B x N) = x (B x K) W^T, in double. */
static void dense_ref(const float *x, const float *w, size_t K, size_t N, float *y) {
  for (size_t b = 0; b < B; b++)
    for (size_t n = 0; n < N; n++) {
      double s = 0;
      for (size_t k = 0; k < K; k++) s += (double)x[b * K + k] * w[n * K + k];
      y[b * N + n] = (float)s;
    }
}

static void pool_ref(const Layer *L, const float *prod, float *h, uint8_t *arg) {
  size_t H = L->geom.out_height, W = L->geom.out_width, N = L->out;
  if (L->pool == POOL_MAX2) maxpool2_forward(prod, B, H, W, N, h, arg);
  if (L->pool == POOL_AVG2) avgpool2_forward(prod, B, H, W, N, h);
  if (L->pool == POOL_GLOBAL) global_avgpool_forward(prod, B, H, W, N, h);
  if (L->pool == POOL_NONE) memcpy(h, prod, B * L->pixels * N * sizeof(float));
}

static void forward_ref(const Model *m, const float *x, RefLayer *R) {
  for (size_t l = 0; l < m->n_layers; l++) {
    const Layer *L = &m->layer[l];
    RefLayer *r = &R[l];
    size_t values = B * L->pixels * L->out;
    size_t products = L->conv ? B * L->geom.out_height * L->geom.out_width * L->out : values;
    r->in = l ? R[l - 1].a : (float *)x;
    r->prod = zeros(products), r->h = zeros(values), r->batch_mean = zeros(L->out);
    r->z = zeros(values), r->a = zeros(values), r->rstd = zeros(L->out);
    r->mean = zeros(L->out), r->var = zeros(L->out), r->arg = calloc(values, 1);
    if (L->conv) conv_reference_forward(&L->geom, r->in, L->sign, B, r->prod, NULL);
    else dense_ref(r->in, L->sign, L->in, L->out, r->prod);
    pool_ref(L, r->prod, r->h, r->arg);
    bn_train_statistics(r->h, B * L->pixels, L->out, r->batch_mean, r->rstd, r->mean, r->var);
    bn_normalize_rows(r->h, B * L->pixels, L->out, r->batch_mean, r->rstd, L->bn_scale,
                      L->bn_shift, r->z);
    if (L->shortcut)
      for (size_t i = 0; i < values; i++) r->z[i] += R[l - 1].z[i];
    for (size_t i = 0; i < values; i++) r->a[i] = r->z[i] >= 0 ? 1.0f : -1.0f;
  }
}

Test(cnn, the_forward_pass_is_the_layers_chained_bit_for_bit) {
  cr_assert_eq(par_init(2), 0);
  Model m;
  build(&m, SPEC);
  cr_assert_eq(m.n_layers, 5);
  cr_assert(m.layer[0].pack_rows == 3 && m.layer[1].pack_rows == 3 && m.layer[2].pack_rows == 1,
            "signs are packed a row per image row for a convolution above");
  float x[B * 72];
  uint8_t y[B];
  batch(x, y);
  RefLayer R[5];
  forward_ref(&m, x, R);
  const float *logits = model_forward(&m, x, B, 1);
  for (size_t l = 0; l < m.n_layers; l++) {
    size_t values = layer_values(&m.layer[l], B);
    float *buf = malloc(values * sizeof *buf);
    const float *z = model_layer_z(&m.layer[l], B, 1, buf);
    for (size_t i = 0; i < values; i++)
      cr_assert(z[i] == R[l].z[i], "layer %zu's z[%zu]: %.9g vs %.9g (h %.9g vs %.9g)", l, i,
                z[i], R[l].z[i], m.layer[l].h[i], R[l].h[i]);
    free(buf);
  }
  cr_assert_eq(memcmp(logits, R[4].z, B * CLASSES * sizeof(float)), 0);
  model_free(&m);
}

/* dh = dL/d(product) of layer r from its dz, through batch norm and pooling. */
static void norm_pool_backward(const Layer *L, RefLayer *r, size_t products) {
  size_t values = B * L->pixels * L->out, H = L->geom.out_height, W = L->geom.out_width;
  r->dh = zeros(values), r->dprod = zeros(products);
  r->dscale = zeros(L->out), r->dshift = zeros(L->out);
  bn_backward(r->dz, r->h, r->batch_mean, r->rstd, L->bn_scale, B * L->pixels, L->out, r->dh,
              r->dscale, r->dshift, NULL);
  if (L->pool == POOL_MAX2) maxpool2_backward(r->dh, r->arg, B, H, W, L->out, r->dprod);
  if (L->pool == POOL_GLOBAL) global_avgpool_backward(r->dh, B, H, W, L->out, r->dprod);
  if (L->pool == POOL_NONE) memcpy(r->dprod, r->dh, values * sizeof(float));
}

/* The weight and input gradients of layer r's product. */
static void product_backward(const Layer *L, RefLayer *r) {
  size_t K = L->in, N = L->out;
  r->dw = zeros(K * N), r->dx = zeros(B * L->in_features);
  if (L->conv) {
    conv_reference_backward_weights(&L->geom, r->dprod, r->in, B, r->dw, NULL);
    conv_reference_backward_input(&L->geom, r->dprod, L->sign, B, r->dx, NULL);
    return;
  }
  for (size_t n = 0; n < N; n++)
    for (size_t k = 0; k < K; k++) {
      double s = 0;
      for (size_t b = 0; b < B; b++) s += (double)r->dprod[b * N + n] * r->in[b * K + k];
      r->dw[n * K + k] = (float)s;
    }
  for (size_t b = 0; b < B; b++)
    for (size_t k = 0; k < K; k++) {
      double s = 0;
      for (size_t n = 0; n < N; n++) s += (double)r->dprod[b * N + n] * L->sign[n * K + k];
      r->dx[b * K + k] = (float)s;
    }
}

static void backward_ref(const Model *m, const float *dlogits, RefLayer *R) {
  for (size_t l = m->n_layers; l-- > 0;) {
    const Layer *L = &m->layer[l];
    RefLayer *r = &R[l];
    size_t values = B * L->pixels * L->out;
    size_t products = L->conv ? B * L->geom.out_height * L->geom.out_width * L->out : values;
    if (l + 1 == m->n_layers) r->dz = zeros(values), memcpy(r->dz, dlogits, values * sizeof(float));
    norm_pool_backward(L, r, products);
    product_backward(L, r);
    if (!l) break;
    RefLayer *below = &R[l - 1];
    size_t n_below = layer_values(&m->layer[l - 1], B);
    below->dz = zeros(n_below);
    for (size_t i = 0; i < n_below; i++)
      below->dz[i] = fabsf(below->z[i]) <= 1.0f ? r->dx[i] : 0.0f; /* the hard-tanh STE */
    if (L->shortcut)
      for (size_t i = 0; i < n_below; i++) below->dz[i] += r->dz[i];
  }
}

Test(cnn, the_backward_pass_is_the_chains_gradient) {
  cr_assert_eq(par_init(2), 0);
  Model m;
  build(&m, SPEC);
  float x[B * 72], dlogits[B * CLASSES];
  uint8_t y[B];
  batch(x, y);
  RefLayer R[5];
  forward_ref(&m, x, R);
  const float *logits = model_forward(&m, x, B, 1);
  softmax_xent(logits, y, B, CLASSES, dlogits, NULL);
  size_t flips[5];
  model_backward(&m, x, B, dlogits, NULL, flips);
  backward_ref(&m, dlogits, R);
  /* The chain in double and the model in float part by rounding, and batch
   * norm over so few rows amplifies that on the way down (about 1e-4 of a
   * layer's largest gradient at layer 2): each gradient must be within 1e-3
   * of its layer's largest. A wiring fault (a pooling choice, the shortcut,
   * the STE, a packing) is off by the whole gradient. */
  for (size_t l = 0; l < m.n_layers; l++) {
    const Layer *L = &m.layer[l];
    double largest = 0;
    for (size_t j = 0; j < L->in * L->out; j++)
      if (fabs(R[l].dw[j]) > largest) largest = fabs(R[l].dw[j]);
    cr_assert(largest > 1e-4, "layer %zu's gradient reaches it (largest %g)", l, largest);
    for (size_t j = 0; j < L->in * L->out; j++)
      cr_assert(fabs(L->grad[j] - R[l].dw[j]) <= 1e-3 * largest, "layer %zu weight %zu: %.9g vs %.9g",
                l, j, L->grad[j], R[l].dw[j]);
    double scale = 0, shift = 0;
    for (size_t n = 0; n < L->out; n++) {
      scale = fmax(scale, fabs(R[l].dscale[n]));
      shift = fmax(shift, fabs(R[l].dshift[n]));
    }
    for (size_t n = 0; n < L->out; n++)
      cr_assert(fabs(L->bn_dscale[n] - R[l].dscale[n]) <= 1e-3 * scale + 1e-7 &&
                    fabs(L->bn_dshift[n] - R[l].dshift[n]) <= 1e-3 * shift + 1e-7,
                "layer %zu channel %zu's batch-norm gradients", l, n);
  }
  model_free(&m);
}

Test(cnn, the_shortcut_carries_the_gradient_past_the_sign) {
  /* Without the shortcut, layer 0 gets only what passes the STE; with it, also
   * layer 1's dL/dz itself: the two gradients must differ. */
  cr_assert_eq(par_init(1), 0);
  Model with, without;
  build(&with, SPEC);
  build(&without, "cnn:c4-p-c4-c5k2v-g-f7");
  float x[B * 72], d1[B * CLASSES], d2[B * CLASSES];
  uint8_t y[B];
  batch(x, y);
  softmax_xent(model_forward(&with, x, B, 1), y, B, CLASSES, d1, NULL);
  model_backward(&with, x, B, d1, NULL, NULL);
  softmax_xent(model_forward(&without, x, B, 1), y, B, CLASSES, d2, NULL);
  model_backward(&without, x, B, d2, NULL, NULL);
  size_t n = with.layer[0].in * with.layer[0].out, differ = 0;
  for (size_t j = 0; j < n; j++) differ += with.layer[0].grad[j] != without.layer[0].grad[j];
  cr_assert_gt(differ, n / 2, "%zu of %zu first-layer gradients differ", differ, n);
  model_free(&with);
  model_free(&without);
}

Test(cnn, shapes_that_do_not_fit_the_image_are_refused_naming_the_layer) {
  const struct {
    const char *text, *want;
  } bad[] = {
      {"cnn:c4k7v", "model cnn:c4k7v: layer 1 (c4k7v): convolution: a 7x7 kernel with valid "
                    "padding needs an input of at least 7x7, not 6x6"},
      {"cnn:c4-p-c4-p-c4-p", "model cnn:c4-p-c4-p-c4-p: layer 3 (c4-p): 2x2 pooling needs an "
                             "image of at least 2x2, not 1x1"},
      {"cnn:c4-c8r", "model cnn:c4-c8r: layer 2 (c8r): a real shortcut (r) adds the input, "
                     "6x6x4, which needs as many output channels as it has (4)"},
      {"cnn:c4r", "model cnn:c4r: layer 1 (c4r): a real shortcut (r) needs a layer below"},
      {"cnn:c4s2r", "model cnn:c4s2r: layer 1 (c4s2r): a real shortcut (r) needs stride 1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ModelSpec spec;
    Model m;
    cr_assert_eq(model_text_parse(bad[i].text, &spec, err, sizeof err), 0, "%s", err);
    cr_assert_eq(model_create(&m, &spec, &input, CLASSES, B, 1, err, sizeof err), ERR_USAGE,
                 "%s", bad[i].text);
    cr_assert(strncmp(err, bad[i].want, strlen(bad[i].want)) == 0, "%s: got '%s'", bad[i].text,
              err);
  }
  ModelSpec spec;
  Model m;
  /* The first layer reads the data, real first layer or not: nothing to add. */
  cr_assert_eq(model_text_parse("cnn:c1r-f10", &spec, err, sizeof err), 0);
  spec.real_first = 1;
  cr_assert_eq(model_create(&m, &spec, &input, CLASSES, B, 1, err, sizeof err), ERR_USAGE);
  cr_assert(strstr(err, "layer 1 (c1r): a real shortcut (r) needs a layer below"), "%s", err);
  cr_assert_eq(model_text_parse("cnn:c4", &spec, err, sizeof err), 0);
  cr_assert_eq(model_create(&m, &spec, &(ModelInput){.dim = 2}, 2, B, 1, err, sizeof err),
               ERR_USAGE);
  cr_assert_str_eq(err, "model cnn:... needs images (height x width x channels); this data set "
                        "is flat (2 features per sample): give it an mlp: model");
}

Test(cnn, flat_data_refuses_a_cnn_model_in_one_line) {
  ProcResult r;
  run_flipscope("--headless --data xor --model cnn:c8-f8 --steps 2", &r);
  cr_assert_eq(r.code, 2, "%s", r.err);
  cr_assert_str_eq(r.err, "flipscope: --model cnn:... needs images (height x width x channels); "
                          "this data set is flat (2 features per sample): give it an mlp: model\n");
}

/* The "train_acc" or "test_acc" of a run's summary line. */
static double summary_figure(const ProcResult *r, const char *key) {
  const char *at = strstr(r->out, key);
  cr_assert_not_null(at, "%s", r->out);
  return atof(at + strlen(key));
}

/* All binary, a CNN learns the glyphs' training set (95.9-96.8 % over seeds
 * 1-6); its test accuracy through the running batch-norm statistics is not
 * steady (42-93 % over the same seeds: most pixels are the flat background,
 * whose product sits at the channel's mean, so its sign after batch norm
 * turns on the difference between the batch's statistics and the running
 * ones). With the first layer real, as the literature keeps it, the test
 * accuracy is 96.7-97.9 % over those seeds. */
Test(cnn, glyphs_are_learnt, .timeout = 120) {
  ProcResult r;
  const char *spec = "--headless --data glyphs --model cnn:c16-p-c32-p-f64 --epochs 3 "
                     "--threads 2 --precision fp32";
  char args[256];
  run_flipscope_within(100, spec, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  double train = summary_figure(&r, "\"train_acc\":");
  cr_assert_geq(train, 0.90, "all binary: training accuracy %.4f", train);
  snprintf(args, sizeof args, "%s --real-first", spec);
  run_flipscope_within(100, args, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  double test = summary_figure(&r, "\"test_acc\":");
  cr_assert_geq(test, 0.95, "real first layer: test accuracy %.4f", test);
}

static Dataset glyphs;

static Trainer *glyph_trainer(const char *text) {
  static int loaded;
  if (!loaded) {
    cr_assert_eq(dataset_load("glyphs", &(DatasetOptions){.seed = 1}, &glyphs, err, sizeof err), 0,
                 "%s", err);
    loaded = 1;
  }
  ModelSpec spec;
  cr_assert_eq(model_text_parse(text, &spec, err, sizeof err), 0, "%s", err);
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  TrainConfig tc = {.batch = 50, .epochs = 1, .real_lr = 1e-3, .seed = 4,
                    .schedule = {.kind = SCHED_LINEAR}};
  Trainer *t = trainer_create(&tc, &spec, &oc, &glyphs.train, &glyphs.test, err, sizeof err);
  cr_assert(t, "%s", err);
  return t;
}

static void steps(Trainer *t, int n, StepReport *r) {
  for (int s = 0; s < n; s++) cr_assert_eq(trainer_step(t, r, err, sizeof err), 1, "%s", err);
}

Test(cnn, a_checkpoint_continues_exactly_and_refuses_another_spec) {
  cr_assert_eq(par_init(2), 0);
  const char *text = "cnn:c8-p-c8r-c16s2-g-f32";
  Trainer *a = glyph_trainer(text), *b = glyph_trainer(text);
  StepReport ra, rb;
  steps(a, 12, &ra);
  Buf buf = {0};
  cr_assert_eq(checkpoint_write(a, NULL, to_buf, &buf, err, sizeof err), 0, "%s", err);
  CkptInfo info;
  cr_assert_eq(checkpoint_inspect(buf.data, buf.len, &info, err, sizeof err), 0, "%s", err);
  cr_assert_eq(info.version, 4);
  char name[200];
  checkpoint_model_name(&info, name, sizeof name);
  cr_assert_str_eq(name, "cnn:c8-p-c8r-c16s2-g-f32 (16x16x1 images, 10 classes)");
  cr_assert_eq(checkpoint_restore(b, buf.data, buf.len, err, sizeof err), 0, "%s", err);
  for (int s = 0; s < 8; s++) {
    steps(a, 1, &ra);
    steps(b, 1, &rb);
    cr_assert(ra.loss == rb.loss && ra.flips == rb.flips, "step %llu: %.9g vs %.9g",
              (unsigned long long)ra.step, ra.loss, rb.loss);
  }
  Model *ma = trainer_model(a), *mb = trainer_model(b);
  for (size_t l = 0; l < ma->n_layers; l++)
    cr_assert_eq(memcmp(ma->layer[l].sign, mb->layer[l].sign,
                        ma->layer[l].in * ma->layer[l].out * sizeof(float)), 0, "layer %zu", l);
  /* Average instead of max pooling: every layer has the same weight shape,
   * so only the spec tells them apart. */
  Trainer *other = glyph_trainer("cnn:c8-a-c8r-c16s2-g-f32");
  cr_assert_eq(checkpoint_restore(other, buf.data, buf.len, err, sizeof err), -1);
  cr_assert(strstr(err, "the checkpoint's model is cnn:c8-p-c8r-c16s2-g-f32 (16x16x1 images, 10 "
                        "classes)"), "%s", err);
  cr_assert(strstr(err, "make cnn:c8-a-c8r-c16s2-g-f32 (16x16x1 images, 10 classes)"), "%s", err);
  free(buf.data);
  trainer_free(a);
  trainer_free(b);
  trainer_free(other);
}

Test(cnn, the_summary_counts_what_the_layers_hold) {
  ProcResult r;
  run_flipscope("--data glyphs --model cnn:c8-p-c16s2-g-f32 --real-last --summary", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  /* glyphs are 16x16x1: c8 sees 3x3x1 taps at 16x16 (72 weights, 18,432
   * MACs on real pixels), pooled to 8x8; c16s2 has 3x3x8 = 72 taps per
   * channel, 1,152 weights at 4x4 positions (18,432 1-bit MACs); f32 reads
   * 16; the real classifier 32 x 10 plus batch norm. */
  const char *rows[] = {
      " 1  conv 3x3 s1 same, max pool         16x16x1    8x8x8               72        16      0.07             -       18,432\n",
      " 2  conv 3x3 s2 same, global avg       8x8x8      1x1x16           1,152        32      0.27        18,432            -\n",
      " 3  dense                              1x1x16     32                 512        64      0.31           512            -\n",
      " 4  real dense                         32         10                   -       340      1.33             -          320\n",
      "    total                                                          1,736       452      1.98        18,944       18,752\n"};
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
    cr_assert(strstr(r.out, rows[i]), "row %zu missing from:\n%s", i + 1, r.out);
  run_flipscope("--data xor --model cnn:c4 --summary", &r);
  cr_assert_eq(r.code, 2);
  cr_assert(strstr(r.err, "this data set is flat"), "%s", r.err);
}

/* The signs, the STE and the pooling split a large call over the thread
 * pool: a CNN big enough for that (16x16 images, 32 channels, batch 50:
 * 409,600 values a layer) gives the same bits on one thread and two. */
Test(cnn, one_thread_and_two_give_the_same_bits) {
  double loss[2][6];
  size_t flips[2][6];
  for (int threads = 1; threads <= 2; threads++) {
    cr_assert_eq(par_init(threads), 0);
    Trainer *t = glyph_trainer("cnn:c32-c32-p-f32");
    for (int s = 0; s < 6; s++) {
      StepReport r;
      steps(t, 1, &r);
      loss[threads - 1][s] = r.loss, flips[threads - 1][s] = r.flips;
    }
    trainer_free(t);
  }
  for (int s = 0; s < 6; s++)
    cr_assert(loss[0][s] == loss[1][s] && flips[0][s] == flips[1][s], "step %d: %.9g vs %.9g", s + 1,
              loss[0][s], loss[1][s]);
}

/* Each step, a convolution's channel_flips[n] is the number of its output
 * channel n's weights whose sign changed (counted from copies of the signs
 * before and after the step); a dense layer has none. */
Test(cnn, the_telemetry_counts_each_channels_flips) {
  cr_assert_eq(par_init(2), 0);
  Trainer *t = glyph_trainer("cnn:c8-p-c16s2-f32");
  TelemetryConfig tc;
  telemetry_defaults(&tc);
  cr_assert_eq(trainer_enable_telemetry(t, &tc, err, sizeof err), 0, "%s", err);
  Model *m = trainer_model(t);
  float *before[MODEL_MAX_LAYERS];
  for (size_t l = 0; l < m->n_layers; l++) {
    before[l] = malloc(m->layer[l].in * m->layer[l].out * sizeof(float));
    cr_assert_not_null(before[l]);
  }
  size_t counted = 0;
  for (int s = 0; s < 6; s++) {
    for (size_t l = 0; l < m->n_layers; l++)
      memcpy(before[l], m->layer[l].sign, m->layer[l].in * m->layer[l].out * sizeof(float));
    StepReport r;
    steps(t, 1, &r);
    const TelemetrySnapshot *snap = telemetry_last(trainer_telemetry(t));
    for (size_t l = 0; l < m->n_layers; l++) {
      const Layer *L = &m->layer[l];
      const TelemetryLayer *T = &snap->layer[l];
      cr_assert_eq(T->channels, L->conv ? L->out : 0, "layer %zu", l);
      for (size_t n = 0; n < T->channels; n++) {
        uint32_t changed = 0;
        for (size_t k = 0; k < L->in; k++) changed += before[l][n * L->in + k] != L->sign[n * L->in + k];
        cr_assert_eq(T->channel_flips[n], changed, "step %d, layer %zu, channel %zu", s + 1, l, n);
        counted += changed;
      }
    }
  }
  cr_assert_gt(counted, 0, "no convolution weight flipped: nothing was compared");
  for (size_t l = 0; l < m->n_layers; l++) free(before[l]);
  trainer_free(t);
}

/* On AMX a convolution's weight gradient reads its binary input from the
 * bits alone, so the layer below writes no +-1 floats in training: the
 * model's gradient must be the one of the same product from those floats
 * (rebuilt here from the sign of the lower layer's z), bit for bit. */
Test(cnn, the_implicit_weight_gradient_reads_the_signs_below_as_the_floats) {
  const char *missing = amx_bf16_missing();
  if (missing) cr_skip_test("this CPU or kernel lacks %s, so the AMX path is not tested", missing);
  cr_assert_eq(par_init(2), 0);
  Model m;
  build(&m, "cnn:c16-c16-p-f7");
  m.precision = PRECISION_BF16;
  const Layer *below = &m.layer[0], *L = &m.layer[1];
  cr_assert(conv_weights_implicit(&matmul_amx_bf16, &L->geom));
  float x[B * 72], dlogits[B * CLASSES];
  uint8_t y[B];
  batch(x, y);
  const float *logits = model_forward(&m, x, B, 1);
  softmax_xent(logits, y, B, CLASSES, dlogits, NULL);
  model_backward(&m, x, B, dlogits, NULL, NULL);
  size_t values = layer_values(below, B);
  float *z = zeros(values), *signs = zeros(values), *want = zeros(L->in * L->out);
  const float *bz = model_layer_z(below, B, 1, z);
  for (size_t i = 0; i < values; i++) signs[i] = bz[i] >= 0.0f ? 1.0f : -1.0f;
  MatmulOperand floats = {signs, NULL, L->geom.width * L->geom.in_ch};
  ConvGradient pooled = {L->dz, L->pool_arg, L->conv_out}; /* max pooling's, as the model's */
  conv_backward(&matmul_amx_bf16, &L->geom, &pooled, NULL, &floats, B, NULL, want, NULL,
                m.scratch);
  cr_assert(memcmp(want, L->grad, L->in * L->out * sizeof(float)) == 0,
            "the gradient from the signs' bits differs from the one from their floats");
  free(z);
  free(signs);
  free(want);
  model_free(&m);
}
