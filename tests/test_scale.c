/* test_scale.c — --scale mean (XNOR-Net's per-channel alpha = mean |w|): the
 * trainer sets each binary channel's alpha from the latent weights before a
 * forward pass, the product is scaled by exactly alpha, batch norm absorbs
 * it but for its eps, and a filter optimizer (no magnitudes) is refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "app/cli/model_text.h"
#include "datasets/load.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/trainer.h"
#include "proc.h"

static char err[512];

Test(scale, the_product_is_scaled_and_batch_norm_absorbs_it_but_for_eps) {
  cr_assert_eq(par_init(1), 0);
  enum { B = 4 };
  ModelSpec plain, scaled;
  cr_assert_eq(model_text_parse("cnn:c8-p-f16", &plain, err, sizeof err), 0);
  scaled = plain;
  scaled.scale = SCALE_MEAN;
  const ModelInput in = {64, 8, 8, 1};
  Model a, b;
  cr_assert_eq(model_create(&a, &plain, &in, 3, B, 2, err, sizeof err), 0, "%s", err);
  cr_assert_eq(model_create(&b, &scaled, &in, 3, B, 2, err, sizeof err), 0, "%s", err);
  cr_assert_null(a.layer[0].scale);
  for (size_t n = 0; n < b.layer[0].out; n++) {
    cr_assert_eq(b.layer[0].scale[n], 1.0f, "alpha starts at 1");
    b.layer[0].scale[n] = 0.5f; /* a power of two: the scaled product is exact */
  }
  float x[B * 64];
  Rng r;
  rng_seed(&r, 4, 0);
  for (size_t i = 0; i < B * 64; i++) x[i] = 2.0f * rng_uniform(&r) - 1.0f;
  model_forward(&a, x, B, 1);
  model_forward(&b, x, B, 1);
  size_t values = layer_values(&a.layer[0], B);
  for (size_t i = 0; i < values; i++) {
    cr_assert_eq(b.layer[0].h[i], 0.5f * a.layer[0].h[i], "h[%zu]", i);
    cr_assert(fabsf(b.layer[0].z[i] - a.layer[0].z[i]) < 1e-4f, "z[%zu]: %g vs %g", i,
              b.layer[0].z[i], a.layer[0].z[i]);
  }
  model_free(&a);
  model_free(&b);
}

Test(scale, alpha_is_each_channels_mean_latent_magnitude) {
  cr_assert_eq(par_init(1), 0);
  Dataset glyphs;
  cr_assert_eq(dataset_load("glyphs", &(DatasetOptions){.seed = 1}, &glyphs, err, sizeof err), 0);
  ModelSpec spec;
  cr_assert_eq(model_text_parse("cnn:c8-p-f16", &spec, err, sizeof err), 0);
  spec.scale = SCALE_MEAN;
  OptConfig oc;
  optim_defaults(OPT_ADAM, &oc);
  TrainConfig tc = {.batch = 20, .max_steps = 5, .real_lr = 1e-3, .seed = 3};
  Trainer *t = trainer_create(&tc, &spec, &oc, &glyphs.train, NULL, err, sizeof err);
  cr_assert(t, "%s", err);
  StepReport rep;
  for (int s = 0; s < 3; s++) cr_assert_eq(trainer_step(t, &rep, err, sizeof err), 1, "%s", err);
  /* The alphas the last step ran with are those of the weights before it:
   * one more step's refresh must give the mean |w| of the weights now. */
  Model *m = trainer_model(t);
  Optimizer *o = trainer_optimizer(t);
  const OptimizerOps *ops = optim_ops(OPT_ADAM);
  float want[MODEL_MAX_LAYERS][64];
  for (size_t l = 0; l < m->n_layers; l++) {
    const float *w = optim_state(o, l)[ops->inertia_state];
    for (size_t n = 0; n < m->layer[l].out; n++) {
      double sum = 0;
      for (size_t k = 0; k < m->layer[l].in; k++) sum += fabsf(w[n * m->layer[l].in + k]);
      want[l][n] = (float)(sum / (double)m->layer[l].in);
    }
  }
  cr_assert_eq(trainer_step(t, &rep, err, sizeof err), 1, "%s", err);
  for (size_t l = 0; l < m->n_layers; l++)
    for (size_t n = 0; n < m->layer[l].out; n++) {
      cr_assert_eq(m->layer[l].scale[n], want[l][n], "layer %zu channel %zu", l, n);
      cr_assert(want[l][n] > 0 && want[l][n] < 0.1f, "a latent magnitude: %g", want[l][n]);
    }
  trainer_free(t);
  dataset_free(&glyphs);
}

Test(scale, a_filter_optimizer_is_refused_in_one_line) {
  ProcResult r;
  run_flipscope("--headless --data glyphs --model mlp:16 --scale mean --steps 2", &r);
  cr_assert_eq(r.code, 2, "%s", r.err);
  cr_assert_str_eq(r.err, "flipscope: --scale mean: scales by the latent weights' magnitude, "
                          "which cema has not (use sgd, adam or adamw; batch norm absorbs a "
                          "per-channel scale anyway)\n");
  run_flipscope("--headless --data glyphs --model mlp:16 --scale mean --opt sgd --steps 2", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert(strstr(r.out, "\"scale\":\"mean\""), "%s", r.out);
}
