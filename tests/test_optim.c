/* test_optim.c — single optimizer steps against values computed by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/error.h"
#include "engine/optim.h"
#include "engine/parallel.h"

static Optimizer *make(OptConfig *cfg, const float *sign, size_t n) {
  size_t sizes[1] = {n};
  const float *signs[1] = {sign};
  char err[256];
  Optimizer *o = optim_create(cfg, 1, sizes, signs, 1, err, sizeof err);
  cr_assert_not_null(o, "%s", err);
  return o;
}

/* Adam at its defaults but for latent weights that start at 0, over the n signs. */
static Optimizer *adam_from_zero(float *sign, size_t n) {
  OptConfig cfg;
  optim_defaults(OPT_ADAM, &cfg);
  cfg.init_scale = 0;
  return make(&cfg, sign, n);
}

Test(optim, cema_two_steps_by_hand) {
  OptConfig cfg;
  optim_defaults(OPT_CEMA, &cfg);
  cfg.gamma = 0.5;
  float sign[3] = {1, 1, -1};
  Optimizer *o = make(&cfg, sign, 3);
  float g1[3] = {1, -2, 0.5f};
  optim_begin_step(o, 0.25);
  /* m = 0.5 g = (0.5, -1, 0.25); i = 0.25 m = (0.125, -0.25, 0.0625);
   * flip where i b > 0: only weight 0. */
  cr_assert_eq(optim_step_layer(o, 0, sign, g1), 1);
  const float *i = optim_inertia(o, 0);
  cr_assert_float_eq(i[0], 0.125f, 1e-7);
  cr_assert_float_eq(i[1], -0.25f, 1e-7);
  cr_assert_float_eq(i[2], 0.0625f, 1e-7);
  cr_assert(sign[0] == -1 && sign[1] == 1 && sign[2] == -1);
  float g2[3] = {0, 0, 0};
  optim_begin_step(o, 0.25);
  /* m = (0.25, -0.5, 0.125); i = 0.75 i + 0.25 m = (0.15625, -0.3125, 0.078125) */
  cr_assert_eq(optim_step_layer(o, 0, sign, g2), 0);
  cr_assert_float_eq(i[0], 0.15625f, 1e-7);
  cr_assert_float_eq(i[1], -0.3125f, 1e-7);
  cr_assert_float_eq(i[2], 0.078125f, 1e-7);
  optim_free(o);
}

Test(optim, adam_one_step_by_hand) {
  float sign[2] = {1, -1};
  Optimizer *o = adam_from_zero(sign, 2);
  float *w = optim_state(o, 0)[0];
  cr_assert(w[0] == 0 && w[1] == 0, "init scale 0 gives zero latent weights");
  w[0] = 0.05f;
  w[1] = -0.3f;
  float g[2] = {0.5f, 2.0f};
  optim_begin_step(o, 0.1);
  /* t = 1: m = 0.1 g, v = 0.001 g^2; m_hat = g, v_hat = g^2;
   * w -= 0.1 * g / (|g| + 1e-8): w0 = 0.05 - 0.1 = -0.05 (flips), w1 = -0.4. */
  cr_assert_eq(optim_step_layer(o, 0, sign, g), 1);
  cr_assert_float_eq(w[0], -0.05f, 1e-6);
  cr_assert_float_eq(w[1], -0.4f, 1e-6);
  cr_assert(sign[0] == -1 && sign[1] == -1);
  float *m = optim_state(o, 0)[1], *v = optim_state(o, 0)[2];
  cr_assert_float_eq(m[0], 0.05f, 1e-7);
  cr_assert_float_eq(v[1], 0.004f, 1e-7);
  optim_free(o);
}

Test(optim, zero_latent_weight_keeps_its_sign) {
  float sign[1] = {-1};
  Optimizer *o = adam_from_zero(sign, 1);
  float g[1] = {0};
  optim_begin_step(o, 0.1);
  cr_assert_eq(optim_step_layer(o, 0, sign, g), 0);
  cr_assert(sign[0] == -1);
  optim_free(o);
}

Test(optim, latent_init_keeps_the_signs_and_scale) {
  OptConfig cfg;
  optim_defaults(OPT_ADAM, &cfg);
  cfg.init_scale = 0.5;
  float sign[1000];
  for (int j = 0; j < 1000; j++) sign[j] = j % 3 ? 1.0f : -1.0f;
  Optimizer *o = make(&cfg, sign, 1000);
  const float *w = optim_inertia(o, 0);
  for (int j = 0; j < 1000; j++) {
    cr_assert(w[j] * sign[j] >= 0 && fabsf(w[j]) < 0.5f, "w[%d] = %g", j, w[j]);
  }
  optim_free(o);
}

Test(optim, parallel_step_counts_flips_like_serial) {
  enum { N = 100003 };
  static float sign1[N], sign2[N], g[N];
  for (int j = 0; j < N; j++) {
    sign1[j] = sign2[j] = (j * 7919LL) % 5 < 2 ? 1.0f : -1.0f;
    g[j] = (float)((j * 104729LL) % 2001 - 1000) / 1000.0f;
  }
  OptConfig cfg;
  optim_defaults(OPT_CEMA, &cfg);
  cfg.gamma = 1;
  par_init(1);
  Optimizer *a = make(&cfg, sign1, N);
  optim_begin_step(a, 1.0);
  size_t serial = optim_step_layer(a, 0, sign1, g);
  par_init(2);
  Optimizer *b = make(&cfg, sign2, N);
  optim_begin_step(b, 1.0);
  size_t parallel = optim_step_layer(b, 0, sign2, g);
  par_init(1);
  cr_assert_eq(serial, parallel);
  cr_assert(serial > 0);
  for (int j = 0; j < N; j++) cr_assert(sign1[j] == sign2[j]);
  optim_free(a);
  optim_free(b);
}

Test(optim, bop2_biased_and_unbiased_by_hand) {
  OptConfig cfg;
  optim_defaults(OPT_BOP2, &cfg);
  cr_assert(cfg.gamma == 1e-6 && cfg.tau == 1e-6 && cfg.sigma == 1e-2, "the authors' defaults");
  cfg.sigma = 0.25;
  cfg.tau = 0.75;
  for (int unbiased = 0; unbiased <= 1; unbiased++) {
    cfg.unbiased = unbiased;
    float sign[2] = {1, 1};
    Optimizer *o = make(&cfg, sign, 2);
    float g[2] = {2, -2};
    optim_begin_step(o, 0.25);
    /* m = 0.25 g = (0.5, -0.5), v = 0.25 g^2 = 1: biased b r = (0.5, -0.5), no flip
     * past tau 0.75; unbiased (m/0.25) / sqrt(v/0.25) = (1, -1): weight 0 flips. */
    cr_assert_eq(optim_step_layer(o, 0, sign, g), (size_t)unbiased, "unbiased %d", unbiased);
    cr_assert(sign[0] == (unbiased ? -1 : 1) && sign[1] == 1);
    optim_free(o);
  }
  cfg.gamma = 0;
  char err[256];
  cr_assert_eq(optim_check(&cfg, err, sizeof err), ERR_USAGE, "unbiased divides by gamma; at 0 nothing flips");
  cr_assert(!strncmp(err, "gamma: ", 7), "%s", err);
}

/* Random +-1 signs and gradients of |g| < 1e-3, from a fixed seed. */
static void small_stream(float *sign, float *g, size_t n) {
  uint64_t x = 12345;
  for (size_t j = 0; j < n; j++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    sign[j] = (x >> 63) ? 1.0f : -1.0f;
    g[j] = 1e-3f * ((float)((x >> 40) & 0xffff) / 65536.0f * 2 - 1);
  }
}

Test(optim, state_init_holds_the_initial_signs) {
  enum { W = 512 };
  const OptKind kinds[] = {OPT_CEMA, OPT_BOP, OPT_BOP2, OPT_IIR};
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
    size_t flips[2];
    for (int with = 0; with <= 1; with++) {
      OptConfig cfg;
      optim_defaults(kinds[k], &cfg);
      cfg.gamma = kinds[k] == OPT_CEMA ? 0.1 : 1e-2;
      cfg.tau = 0;
      cfg.state_init = with ? 0.01 : 0;
      float sign[W], g[W];
      small_stream(sign, g, W);
      Optimizer *o = make(&cfg, sign, W);
      const float *y = optim_inertia(o, 0);
      for (size_t j = 0; j < W; j++)
        cr_assert_eq(y[j], with ? -0.01f * sign[j] : 0.0f, "kind %d weight %zu", kinds[k], j);
      optim_begin_step(o, optim_base_rate(&cfg));
      flips[with] = optim_step_layer(o, 0, sign, g);
      optim_free(o);
    }
    /* From zero the first step sets b = -sign(g): about half the weights flip. */
    cr_assert(flips[0] > W / 4 && flips[0] < 3 * W / 4, "kind %d: %zu flips", kinds[k], flips[0]);
    cr_assert_eq(flips[1], 0, "kind %d: |g| < S keeps every sign (%zu flips)", kinds[k], flips[1]);
  }
}

Test(optim, state_init_is_a_biquads_steady_state) {
  OptConfig cfg;
  optim_defaults(OPT_IIR, &cfg);
  cfg.iir_biquad = 1;
  const double coef[5] = {0.02, 0.03, 0.01, -1.6, 0.66}; /* complex poles of radius sqrt(0.66) */
  memcpy(cfg.iir_coef, coef, sizeof coef);
  cfg.state_init = 0.5;
  float sign[4] = {1, -1, 1, -1};
  Optimizer *o = make(&cfg, sign, 4);
  const double h = (coef[0] + coef[1] + coef[2]) / (1 + coef[3] + coef[4]);
  float g[4];
  for (int j = 0; j < 4; j++) g[j] = (float)(-0.5 * sign[j] / h);
  for (int t = 0; t < 50; t++) {
    optim_begin_step(o, 1);
    cr_assert_eq(optim_step_layer(o, 0, sign, g), 0);
  }
  for (int j = 0; j < 4; j++)
    cr_assert_float_eq(optim_inertia(o, 0)[j], -0.5f * sign[j], 1e-5, "weight %d", j);
  optim_free(o);
  cfg.iir_coef[2] = -0.05; /* b0 + b1 + b2 = 0: no DC gain */
  char err[256];
  cr_assert_eq(optim_check(&cfg, err, sizeof err), ERR_USAGE);
  cr_assert(!strncmp(err, "state-init: ", 12), "%s", err);
}
