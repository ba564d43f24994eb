/* test_filter.c — the filter view (engine/filter.h) against closed forms and
 * against the optimizers it describes; `flipscope filter` (docs/science.md section
 * 2's worked values, errors); the new optimizers' steps by hand; and the
 * approximate and exact reports of optim_switch. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/filter.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "proc.h"

static Filter filter_of(const OptConfig *c) {
  Filter f;
  char err[256];
  cr_assert_eq(filter_from_config(c, &f, err, sizeof err), 0, "%s", err);
  return f;
}

static OptConfig config(OptKind kind) {
  OptConfig c;
  optim_defaults(kind, &c);
  return c;
}

static Optimizer *make(const OptConfig *cfg, float *sign, size_t n) {
  const float *signs[1] = {sign};
  char err[256];
  Optimizer *o = optim_create(cfg, 1, &n, signs, 1, err, sizeof err);
  cr_assert_not_null(o, "%s", err);
  return o;
}

/* ---- closed forms ------------------------------------------------------- */

static double ema_mag2(double a, double w) {
  return a * a / (1 - 2 * (1 - a) * cos(w) + (1 - a) * (1 - a));
}

Test(filter, ema_and_cema_responses_match_the_closed_forms) {
  OptConfig c = config(OPT_CEMA);
  c.alpha = 0.03;
  c.gamma = 0.2;
  Filter cema = filter_of(&c);
  c.gamma = 1;
  Filter ema = filter_of(&c);
  for (int k = 1; k <= 200; k++) {
    double w = M_PI * k / 200, db, phase;
    filter_eval(&ema, w, &db, &phase);
    cr_assert_float_eq(db, 10 * log10(ema_mag2(0.03, w)), 1e-9, "ema |H| at %g", w);
    cr_assert_float_eq(phase, -atan2(0.97 * sin(w), 1 - 0.97 * cos(w)), 1e-12, "ema phase at %g", w);
    filter_eval(&cema, w, &db, &phase);
    cr_assert_float_eq(db, 10 * log10(ema_mag2(0.03, w) * ema_mag2(0.2, w)), 1e-9, "cema |H| at %g", w);
  }
  cr_assert_float_eq(filter_dc_gain(&cema), 1, 1e-12);
  /* The grid of --response: w_k = pi k / n, the phase unwrapped and falling. */
  double w[8], db[8], ph[8];
  filter_response(&cema, 8, w, db, ph);
  cr_assert_float_eq(w[7], M_PI, 1e-15);
  cr_assert_float_eq(w[0], M_PI / 8, 1e-15);
  for (int k = 1; k < 8; k++) cr_assert(db[k] < db[k - 1]);
}

Test(filter, impulse_responses_match_the_closed_forms) {
  OptConfig c = config(OPT_CEMA);
  c.alpha = 0.05;
  c.gamma = 0.3;
  Filter f = filter_of(&c);
  double h[100];
  filter_impulse(&f, h, 100);
  const double a = 0.95, g = 0.7;
  for (int n = 0; n < 100; n++)
    cr_assert_float_eq(h[n], 0.05 * 0.3 * (pow(a, n + 1) - pow(g, n + 1)) / (a - g), 1e-15, "h[%d]", n);
  c.gamma = 1;
  f = filter_of(&c);
  filter_impulse(&f, h, 100);
  for (int n = 0; n < 100; n++) cr_assert_float_eq(h[n], 0.05 * pow(0.95, n), 1e-15, "h[%d]", n);
}

Test(filter, cutoff_closed_form_and_bisection) {
  const double alphas[] = {1e-4, 5e-3, 0.1, 0.5};
  for (size_t i = 0; i < 4; i++) {
    double a = alphas[i];
    OptConfig c = config(OPT_CEMA);
    c.alpha = a;
    c.gamma = 1;
    Filter ema = filter_of(&c);
    double wc = filter_cutoff(&ema);
    cr_assert_float_eq(cos(wc), (2 - 2 * a - a * a) / (2 * (1 - a)), 1e-12);
    cr_assert_float_eq(ema_mag2(a, wc), 0.5, 1e-9, "alpha %g: |H(w_c)|^2", a);
    if (a < 0.01) cr_assert_float_eq(wc / a, 1, 2 * a, "w_c ~ alpha for small alpha");
    /* The bisection path on the same EMA (a far second pole leaves it unchanged). */
    OptConfig iir = config(OPT_IIR);
    iir.iir_sections = 2;
    iir.iir_poles[0] = 1 - a;
    iir.iir_poles[1] = 1e-13;
    Filter two = filter_of(&iir);
    cr_assert_float_eq(filter_cutoff(&two), wc, 1e-9 * wc, "alpha %g: bisection %.12g vs %.12g", a,
                       filter_cutoff(&two), wc);
  }
  /* A CEMA: |H(w_c)|^2 = 1/2 from the product of the two closed forms. */
  OptConfig c = config(OPT_CEMA);
  c.alpha = 0.002;
  c.gamma = 0.1;
  Filter f = filter_of(&c);
  double wc = filter_cutoff(&f);
  cr_assert_float_eq(ema_mag2(0.002, wc) * ema_mag2(0.1, wc), 0.5, 1e-9);
  c.gamma = 1;
  Filter ema = filter_of(&c);
  cr_assert(wc < filter_cutoff(&ema), "the second EMA lowers the cut-off");
  /* One EMA with alpha > 2 sqrt 2 - 2 never falls 3 dB below DC in (0, pi]. */
  c.alpha = 0.9;
  c.gamma = 1;
  f = filter_of(&c);
  cr_assert(isnan(filter_cutoff(&f)));
}

Test(filter, lag1_correlation_closed_forms_and_impulse_sum_agree) {
  OptConfig c = config(OPT_CEMA);
  c.alpha = 0.01;
  c.gamma = 0.1;
  Filter cema = filter_of(&c);
  const double a = 0.99, g = 0.9;
  cr_assert_float_eq(filter_lag1(&cema), (a + g) / (1 + a * g), 1e-15);
  OptConfig iir = config(OPT_IIR);
  iir.iir_sections = 3;
  iir.iir_poles[0] = 0.9;
  iir.iir_poles[1] = 0.99;
  iir.iir_poles[2] = 1e-13; /* forces the impulse-response sum */
  Filter sum = filter_of(&iir);
  cr_assert_float_eq(filter_lag1(&sum), filter_lag1(&cema), 1e-9);
  c.gamma = 1;
  Filter ema = filter_of(&c);
  cr_assert_float_eq(filter_lag1(&ema), 0.99, 1e-15);
  cr_assert_float_eq(filter_flip_rate_white(&ema), acos(0.99) / M_PI, 1e-15);
}

/* White Gaussian gradients through the real optimizer: the flip rate of b
 * against arccos(rho_1)/pi for filters off the closed forms — a biquad with
 * a zero and complex poles (impulse-response sum), and SGD with PyTorch
 * momentum past the real-pole limit (AR(2) with complex poles). */
static void white_noise_check(const OptConfig *cfg, double rate, size_t burn, size_t steps) {
  enum { W = 8192 };
  static float sign[W], prev[W], g[W];
  static unsigned count[W];
  memset(count, 0, sizeof count);
  for (size_t j = 0; j < W; j++) sign[j] = 1;
  Optimizer *o = make(cfg, sign, W);
  Rng rng;
  rng_seed(&rng, 99, RNG_STREAM_DATA);
  for (size_t t = 0; t < burn + steps; t++) {
    for (size_t j = 0; j < W; j++) g[j] = (float)rng_normal(&rng);
    memcpy(prev, sign, sizeof sign);
    optim_begin_step(o, rate);
    optim_step_layer(o, 0, sign, g);
    for (size_t j = 0; t >= burn && j < W; j++) count[j] += prev[j] != sign[j];
  }
  double mean = 0, var = 0;
  for (size_t j = 0; j < W; j++) mean += count[j];
  mean /= W;
  for (size_t j = 0; j < W; j++) var += (count[j] - mean) * (count[j] - mean);
  double measured = mean / (double)steps, se = sqrt(var / (W - 1) / W) / (double)steps;
  Filter f = filter_of(cfg);
  double predicted = filter_flip_rate_white(&f);
  cr_log_info("white noise, %s: flip rate %.5f +- %.5f measured, %.5f predicted",
              optim_ops(cfg->kind)->name, measured, se, predicted);
  cr_assert(fabs(measured - predicted) < 4 * se, "%s: measured %.5f +- %.5f, predicted %.5f",
            optim_ops(cfg->kind)->name, measured, se, predicted);
  optim_free(o);
}

Test(filter, white_noise_flip_rate_of_a_biquad_and_of_complex_poles, .timeout = 30) {
  OptConfig iir = config(OPT_IIR);
  iir.iir_biquad = 1;
  const double coef[5] = {0.05, 0.03, 0, -1.6, 0.7};
  memcpy(iir.iir_coef, coef, sizeof coef);
  white_noise_check(&iir, 1, 100, 400);
  OptConfig sgd = config(OPT_SGD);
  sgd.lr = 0.5;
  sgd.wd = 0.05;
  sgd.momentum = 0.9;
  sgd.init_scale = 0;
  Filter f = filter_of(&sgd);
  cr_assert(!f.real_poles);
  white_noise_check(&sgd, sgd.lr, 200, 400);
}

/* ---- the filter of each optimizer against the optimizer itself ---------- */

/* Feeds one weight an impulse at step 2 (a zero first gradient keeps
 * PyTorch's first momentum step out of it) and compares the filter output
 * (CEMA's i, Bop's m, the IIR's y; -k w for SGD) with filter_impulse. The
 * settings are dyadic so that rounding them to float changes no pole. */
static void impulse_check(const OptConfig *cfg) {
  enum { T = 300 };
  Filter f = filter_of(cfg);
  double h[T];
  filter_impulse(&f, h, T);
  double peak = 0;
  for (int n = 0; n < T; n++) peak = fmax(peak, fabs(h[n]));
  float sign[1] = {1};
  Optimizer *o = make(cfg, sign, 1);
  const OptimizerOps *ops = optim_ops(cfg->kind);
  for (int t = 1; t <= T + 1; t++) {
    float g[1] = {t == 2 ? 1.0f : 0.0f};
    optim_begin_step(o, optim_base_rate(cfg));
    optim_step_layer(o, 0, sign, g);
    double y = optim_inertia(o, 0)[0];
    if (ops->latent) y *= -f.k;
    if (t >= 2)
      cr_assert_float_eq(y, h[t - 2], 2e-6 * peak, "%s: step %d: y %.9g, h %.9g", ops->name, t, y, h[t - 2]);
  }
  optim_free(o);
}

Test(filter, every_linear_optimizer_follows_its_impulse_response) {
  OptConfig c = config(OPT_CEMA);
  c.alpha = 0.0625;
  c.gamma = 0.25;
  impulse_check(&c);
  c = config(OPT_BOP);
  c.gamma = 0.125;
  impulse_check(&c);
  c = config(OPT_IIR);
  c.iir_sections = 3;
  c.iir_poles[0] = 0.875;
  c.iir_poles[1] = 0.984375;
  c.iir_poles[2] = -0.5;
  impulse_check(&c);
  c.iir_biquad = 1;
  const double coef[5] = {0.0625, 0.03125, -0.015625, -1.625, 0.6875};
  memcpy(c.iir_coef, coef, sizeof coef);
  impulse_check(&c);
  /* latent SGD: plain, coupled momentum (real and complex poles), nesterov,
   * decoupled momentum with dampening, and no weight decay (an integrator) */
  struct { double lr, wd, mu, damp; int nesterov, decoupled; } s[] = {
      {0.125, 0.5, 0, 0, 0, 0},         {0.125, 0.0625, 0.875, 0, 0, 0},
      {0.5, 0.0625, 0.875, 0, 0, 0},    {0.125, 0.0625, 0.875, 0, 1, 0},
      {0.125, 0.0625, 0.75, 0.75, 0, 1}, {0.125, 0.0625, 0.75, 0.25, 0, 1},
      {0.125, 0.0625, 0.75, 0, 1, 1},   {0.125, 0.0625, 0.75, 0.25, 0, 0},
      {0.125, 0, 0.5, 0.5, 0, 0}};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
    c = config(OPT_SGD);
    c.lr = s[i].lr;
    c.wd = s[i].wd;
    c.momentum = s[i].mu;
    c.dampening = s[i].damp;
    c.nesterov = s[i].nesterov;
    c.decoupled_wd = s[i].decoupled;
    c.init_scale = 0;
    impulse_check(&c);
  }
}

Test(filter, what_each_optimizer_is) {
  OptConfig c = config(OPT_SGD);
  c.lr = 0.1;
  c.wd = 0.01;
  Filter f = filter_of(&c);
  cr_assert(f.cema && f.alpha == 0.1 * 0.01 && f.gamma == 1 && f.k == 0.01);
  c.momentum = 0.9;
  c.dampening = 0.9;
  c.decoupled_wd = 1;
  f = filter_of(&c);
  cr_assert(f.cema && f.alpha == 0.1 * 0.01 && f.gamma == 1 - 0.9, "ema momentum: %g %g", f.alpha, f.gamma);
  double m0, i0;
  filter_initial_state(&f, 0.3, &m0, &i0);
  cr_assert_float_eq(i0, -0.01 * 0.3, 1e-15);
  cr_assert(m0 == 0, "an empty buffer is m0 = 0");
  c.decoupled_wd = 0;
  c.dampening = 0;
  f = filter_of(&c);
  filter_initial_state(&f, 0.3, &m0, &i0);
  cr_assert(m0 == i0 && i0 == -0.01 * 0.3, "pytorch momentum: both states start at -lambda w0");
  cr_assert_float_eq(f.alpha * f.gamma, 0.1 * 0.01, 1e-15);
  cr_assert_float_eq((1 - f.alpha) * (1 - f.gamma), 0.9, 1e-15);
  c.nesterov = 1;
  f = filter_of(&c);
  cr_assert(!f.cema && isnan(f.alpha) && strstr(f.note, "nesterov"));
  c = config(OPT_SGD);
  f = filter_of(&c);
  cr_assert(f.alpha == 0 && filter_cutoff(&f) == 0 && filter_flip_rate_white(&f) == 0 &&
            strstr(f.note, "integrator"));
  c = config(OPT_BOP);
  f = filter_of(&c);
  cr_assert(f.alpha == 1 && f.gamma == 1e-4 && f.tau == 1e-8 && !f.cema && strstr(f.note, "dead band"));
  c.tau = 0;
  f = filter_of(&c);
  cr_assert(f.cema);
  c = config(OPT_ADAMW);
  f = filter_of(&c);
  cr_assert(!f.linear && isnan(filter_cutoff(&f)) && isnan(filter_flip_rate_white(&f)) &&
            strstr(f.note, "not a linear filter"));
  c = config(OPT_IIR);
  c.iir_poles[1] = 1.0;
  char err[256];
  cr_assert_eq(filter_from_config(&c, &f, err, sizeof err), -1);
  cr_assert(!strncmp(err, "poles: ", 7) && strstr(err, "unstable"), "%s", err);
}

/* ---- the new optimizers, by hand ---------------------------------------- */

/* The latent weight after one step of the SGD optimizer c over one weight of
 * sign *sign and latent w0, with gradient g. */
static float sgd_step_from(const OptConfig *c, float *sign, float w0, float g) {
  Optimizer *o = make(c, sign, 1);
  float *w = optim_state(o, 0)[0];
  w[0] = w0;
  optim_begin_step(o, c->lr);
  optim_step_layer(o, 0, sign, &g);
  float after = w[0];
  optim_free(o);
  return after;
}

Test(filter, sgd_steps_by_hand) {
  float sign[1] = {1};
  OptConfig c = config(OPT_SGD);
  c.lr = 0.5;
  c.momentum = 0.5;
  c.dampening = 0.5;
  c.wd = 0.25;
  c.init_scale = 0;
  Optimizer *o = make(&c, sign, 1);
  float *w = optim_state(o, 0)[0], *buf = optim_state(o, 0)[1];
  w[0] = 0.2f;
  /* t = 1: g' = 1 + 0.25 * 0.2 = 1.05; buf = g' (first step: no dampening);
   * w = 0.2 - 0.5 * 1.05 = -0.325: b flips. */
  optim_begin_step(o, c.lr);
  cr_assert_eq(optim_step_layer(o, 0, sign, (float[]){1}), 1);
  cr_assert_float_eq(buf[0], 1.05f, 1e-6);
  cr_assert_float_eq(w[0], -0.325f, 1e-6);
  cr_assert(sign[0] == -1);
  /* t = 2: g' = 0.25 * -0.325 = -0.08125; buf = 0.5 * 1.05 + 0.5 * g' = 0.484375;
   * w = -0.325 - 0.5 * 0.484375 = -0.5671875 */
  optim_begin_step(o, c.lr);
  optim_step_layer(o, 0, sign, (float[]){0});
  cr_assert_float_eq(buf[0], 0.484375f, 1e-6);
  cr_assert_float_eq(w[0], -0.5671875f, 1e-6);
  optim_free(o);

  /* nesterov: d = g' + mu buf = 1.05 + 0.525; w = 0.2 - 0.5 * 1.575 = -0.5875;
   * clipped to 0.3 -> -0.3 */
  c.dampening = 0;
  c.nesterov = 1;
  c.clip = 0.3;
  sign[0] = 1;
  float after = sgd_step_from(&c, sign, 0.2f, 1);
  cr_assert_float_eq(after, -0.3f, 1e-7, "nesterov, clipped: w = %g", after);

  /* decoupled, no momentum: w = 0.2 (1 - 0.5 * 0.25) - 0.5 * 1 = -0.325 */
  c = config(OPT_SGD);
  c.lr = 0.5;
  c.wd = 0.25;
  c.decoupled_wd = 1;
  after = sgd_step_from(&c, sign, 0.2f, 1);
  cr_assert_float_eq(after, -0.325f, 1e-7, "decoupled: w = %g", after);
}

Test(filter, bop_and_bop2_steps_by_hand) {
  /* bop, gamma 0.5, tau 0.3: m = 0.5 g; flips where b m > 0.3 */
  OptConfig c = config(OPT_BOP);
  c.tau = 0.3;
  float sign[3] = {1, 1, -1};
  Optimizer *o = make(&c, sign, 3);
  optim_begin_step(o, 0.5);
  cr_assert_eq(optim_step_layer(o, 0, sign, (float[]){1, 0.4f, -1}), 2);
  cr_assert(sign[0] == -1 && sign[1] == 1 && sign[2] == 1);
  optim_free(o);
  /* bop2, gamma 0.5, sigma 0.5, tau 0.5: m = 0.5 g, v = 0.5 g^2, so
   * m / sqrt(v) = sign(g) / sqrt 2 = +-0.707 whatever |g|: flips where b g > 0. */
  c = config(OPT_BOP2);
  c.sigma = 0.5;
  c.tau = 0.5;
  float s2[3] = {1, 1, -1};
  o = make(&c, s2, 3);
  optim_begin_step(o, 0.5);
  cr_assert_eq(optim_step_layer(o, 0, s2, (float[]){2, -2, -0.5f}), 2);
  cr_assert(s2[0] == -1 && s2[1] == 1 && s2[2] == 1);
  cr_assert_float_eq(optim_state(o, 0)[1][2], 0.125f, 1e-7);
  c.tau = 0.75; /* above 1/sqrt 2: nothing flips */
  optim_set_config(o, &c);
  optim_begin_step(o, 0.5);
  cr_assert_eq(optim_step_layer(o, 0, s2, (float[]){-2, 2, 0.5f}), 0);
  optim_free(o);
}

Test(filter, iir_cascade_of_cema_poles_flips_like_cema) {
  enum { W = 2048, T = 300 };
  static float s1[W], s2[W], g[W];
  OptConfig cema = config(OPT_CEMA), iir = config(OPT_IIR);
  cema.alpha = 1.0 / 64;
  cema.gamma = 1.0 / 8;
  iir.iir_poles[0] = 1 - cema.gamma;
  iir.iir_poles[1] = 1 - cema.alpha;
  for (size_t j = 0; j < W; j++) s1[j] = s2[j] = j % 3 ? 1.0f : -1.0f;
  Optimizer *a = make(&cema, s1, W), *b = make(&iir, s2, W);
  Rng rng;
  rng_seed(&rng, 3, RNG_STREAM_DATA);
  size_t flips = 0;
  for (int t = 0; t < T; t++) {
    for (size_t j = 0; j < W; j++) g[j] = (float)(rng_uniform(&rng) - 0.45);
    optim_begin_step(a, cema.alpha);
    optim_begin_step(b, 1);
    flips += optim_step_layer(a, 0, s1, g);
    optim_step_layer(b, 0, s2, g);
    cr_assert(!memcmp(s1, s2, sizeof s1), "step %d: iir and cema differ", t + 1);
  }
  cr_assert(flips > W / 4);
  optim_free(a);
  optim_free(b);
}

/* ---- optim_switch reports ------------------------------------------------ */

static OptSwitch do_switch(Optimizer *o, const OptConfig *to, float *sign) {
  const float *signs[1] = {sign};
  OptSwitch res;
  char err[256];
  cr_assert_eq(optim_switch(o, to, signs, &res, err, sizeof err), 0, "%s", err);
  cr_assert_eq(optim_config(o)->kind, to->kind);
  cr_log_info("switch: %s", res.message);
  return res;
}

Test(filter, switches_say_exact_or_approximate_and_keep_the_signs) {
  enum { W = 1000 };
  static float sign[W], g[W];
  Rng rng;
  rng_seed(&rng, 8, RNG_STREAM_DATA);
  for (size_t j = 0; j < W; j++) sign[j] = j % 2 ? 1.0f : -1.0f;
  OptConfig adam = config(OPT_ADAM), cema = config(OPT_CEMA), sgd = config(OPT_SGD), bop = config(OPT_BOP);
  Optimizer *o = make(&adam, sign, W);
  for (int t = 0; t < 20; t++) {
    for (size_t j = 0; j < W; j++) g[j] = (float)rng_normal(&rng);
    optim_begin_step(o, adam.lr);
    optim_step_layer(o, 0, sign, g);
  }
  /* Adam -> CEMA -> SGD -> Bop: approximate, and no weight flips for a zero gradient. */
  bop.tau = 0;
  const OptConfig *chain[] = {&cema, &sgd, &bop};
  memset(g, 0, sizeof g);
  for (size_t k = 0; k < 3; k++) {
    OptSwitch res = do_switch(o, chain[k], sign);
    cr_assert(!res.exact && strstr(res.message, "approximate"), "%s", res.message);
    optim_begin_step(o, optim_base_rate(chain[k]));
    cr_assert_eq(optim_step_layer(o, 0, sign, g), 0, "a switch to %s flipped weights", optim_ops(chain[k]->kind)->name);
  }
  /* Bop(tau 0) <-> CEMA(alpha 1) is exact; so is the same optimizer. */
  cema.alpha = 1;
  cema.gamma = bop.gamma;
  OptSwitch res = do_switch(o, &cema, sign);
  cr_assert(res.exact, "%s", res.message);
  cr_assert(!memcmp(optim_state(o, 0)[0], optim_state(o, 0)[1], W * sizeof(float)), "i = m");
  res = do_switch(o, &bop, sign);
  cr_assert(res.exact, "%s", res.message);
  res = do_switch(o, &bop, sign);
  cr_assert(res.exact, "%s", res.message);
  res = do_switch(o, &cema, sign);
  /* CEMA -> SGD whose equivalent is another CEMA: mapped, but approximate. */
  sgd.wd = 0.01;
  res = do_switch(o, &sgd, sign);
  cr_assert(!res.exact && strstr(res.message, "filters differ"), "%s", res.message);
  optim_free(o);
}

/* Runs steps of o on the gradient stream rng (a constant schedule). */
static void run_steps(Optimizer *o, float *sign, float *g, size_t n, Rng *rng, int steps) {
  for (int t = 0; t < steps; t++) {
    for (size_t j = 0; j < n; j++) g[j] = (float)rng_normal(rng);
    optim_begin_step(o, optim_base_rate(optim_config(o)));
    optim_step_layer(o, 0, sign, g);
  }
}

/* The optimizer menu's prediction (optim_switch_target) against the switch
 * itself, for every optimizer to every kind, before the first step and after
 * 20: the same verdict and message, the predicted settings are the ones run,
 * and a switch called exact flips as the old optimizer would have for 30
 * more steps. */
Test(filter, switch_targets_agree_with_the_switch_for_every_pair) {
  enum { W = 500 };
  static float sign[W], ref_sign[W], g[W];
  OptConfig froms[OPT_KIND_COUNT + 4];
  int n_from = 0;
  for (int k = 0; k < OPT_KIND_COUNT; k++) froms[n_from++] = config((OptKind)k);
  OptConfig sgd_wd = config(OPT_SGD), sgd_mom = config(OPT_SGD), cema1 = config(OPT_CEMA),
            bop0 = config(OPT_BOP);
  sgd_wd.lr = 0.1, sgd_wd.wd = 0.01;
  sgd_mom.lr = 0.1, sgd_mom.wd = 0.01, sgd_mom.momentum = sgd_mom.dampening = 0.9;
  sgd_mom.decoupled_wd = 1;
  cema1.alpha = 1;
  bop0.tau = 0;
  froms[n_from++] = sgd_wd, froms[n_from++] = sgd_mom, froms[n_from++] = cema1, froms[n_from++] = bop0;
  int exact_kinds = 0, pairs = 0;
  for (int f = 0; f < n_from; f++) {
    for (int kind = 0; kind < OPT_KIND_COUNT; kind++) {
      for (int steps = 0; steps <= 20; steps += 20) {
        for (size_t j = 0; j < W; j++) sign[j] = ref_sign[j] = j % 3 ? 1.0f : -1.0f;
        Optimizer *o = make(&froms[f], sign, W), *ref = make(&froms[f], ref_sign, W);
        Rng rng, ref_rng;
        rng_seed(&rng, 11, RNG_STREAM_DATA);
        rng_seed(&ref_rng, 11, RNG_STREAM_DATA);
        run_steps(o, sign, g, W, &rng, steps);
        run_steps(ref, ref_sign, g, W, &ref_rng, steps);
        OptConfig to;
        OptSwitch predicted;
        optim_switch_target(&froms[f], (OptKind)kind, optim_steps(o), &to, &predicted);
        const char *na = optim_ops(froms[f].kind)->name, *nb = optim_ops((OptKind)kind)->name;
        cr_assert_eq((int)to.kind, kind, "%s -> %s: target of another kind", na, nb);
        OptSwitch res = do_switch(o, &to, sign);
        cr_assert_eq(res.exact, predicted.exact, "%s -> %s after %d steps: menu says %s, switch says %s",
                     na, nb, steps, predicted.exact ? "exact" : "approximate", res.message);
        cr_assert_str_eq(res.message, predicted.message, "%s -> %s after %d steps", na, nb, steps);
        cr_assert(!memcmp(optim_config(o), &to, sizeof to), "%s -> %s: the switch runs other settings",
                  na, nb);
        if (res.exact) {
          run_steps(o, sign, g, W, &rng, 30);
          run_steps(ref, ref_sign, g, W, &ref_rng, 30);
          cr_assert(!memcmp(sign, ref_sign, sizeof sign), "%s -> %s after %d steps: called exact, "
                    "but the flips differ", na, nb, steps);
          exact_kinds += kind != (int)froms[f].kind;
        }
        pairs++;
        optim_free(o);
        optim_free(ref);
      }
    }
  }
  cr_log_info("%d switches, %d of them exact to another kind", pairs, exact_kinds);
  cr_assert_geq(exact_kinds, 6, "the exact routes (sgd <-> cema, bop <-> cema) were not all taken");
}

/* ---- flipscope filter ---------------------------------------------------- */

static void filter_json(const char *args, ProcResult *r) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "filter %s", args);
  run_flipscope(cmd, r);
  cr_assert_eq(r->code, 0, "flipscope %s: exit %d: %s", cmd, r->code, r->err);
  cr_assert_eq(strchr(r->out, '\n'), r->out + strlen(r->out) - 1, "one JSON line: %s", r->out);
}

Test(filter_cmd, worked_values_of_science_section_3) {
  ProcResult r;
  filter_json("--opt sgd --momentum 0.9 --lr 0.1 --wd 5e-4", &r);
  cr_assert_float_eq(json_number(r.out, "alpha"), 5.0227e-4, 5e-9, "%s", r.out);
  cr_assert_float_eq(json_number(r.out, "gamma"), 0.099548, 5e-7, "%s", r.out);
  cr_assert(strstr(r.out, "\"real_poles\":true") && strstr(r.out, "\"cema_equivalent\":true"), "%s", r.out);
  filter_json("--opt sgd --momentum 0.9 --lr 0.01 --wd 0.05", &r);
  cr_assert_float_eq(json_number(r.out, "alpha"), 5.249e-3, 5e-7, "%s", r.out);
  cr_assert_float_eq(json_number(r.out, "gamma"), 0.09525, 5e-6, "%s", r.out);
  const char *keys[] = {"\"opt\":\"sgd\"", "\"poles\":[", "\"cutoff\":", "\"flip_rate_white\":"};
  for (size_t i = 0; i < 4; i++) cr_assert(strstr(r.out, keys[i]), "lacks %s: %s", keys[i], r.out);
}

Test(filter_cmd, complex_poles_adam_and_the_response_table) {
  ProcResult r;
  filter_json("--opt sgd --momentum 0.9 --lr 0.5 --wd 0.05", &r);
  cr_assert(strstr(r.out, "\"real_poles\":false") && strstr(r.out, "\"alpha\":null") &&
            strstr(r.out, "complex poles"), "%s", r.out);
  filter_json("--opt adam", &r);
  cr_assert(strstr(r.out, "\"linear\":false") && strstr(r.out, "\"alpha\":null") &&
            strstr(r.out, "\"note\":\"adam divides"), "%s", r.out);
  filter_json("--opt cema --alpha 0.05 --gamma 0.1 --response 4", &r);
  cr_assert_float_eq(json_number(r.out, "flip_rate_white"), 0.02338, 1e-5, "%s", r.out);
  const char *rows = strstr(r.out, "\"response\":[[");
  cr_assert(rows, "%s", r.out);
  int n = 0;
  for (const char *p = rows + 12; (p = strchr(p, '[')); p++) n++;
  cr_assert_eq(n, 4, "%s", rows);
  cr_assert(strstr(rows, "[3.141592654,"), "the last row is at pi: %s", rows);
  filter_json("--opt iir --poles 0.9,0.99", &r);
  cr_assert_float_eq(json_number(r.out, "alpha"), 0.01, 1e-12, "%s", r.out);
}

Test(filter_cmd, errors_exit_2_with_one_line) {
  expect_usage_error("filter --opt iir --poles 0.9,1.0", "--poles");
  expect_usage_error("filter --opt iir --poles 0.9,,0.5", "--poles");
  expect_usage_error("filter --opt iir --iir 1,0,0,0.5,1.2", "--iir");
  expect_usage_error("filter --opt iir --iir 1,0,0", "--iir");
  expect_usage_error("filter --response 0", "--response");
  expect_usage_error("filter --response", "--response");
  expect_usage_error("filter --opt sgd --nesterov", "--nesterov");
  expect_usage_error("filter --opt rmsprop", "--opt");
  expect_usage_error("--headless --data glyphs --opt iir --poles 1.5", "--poles");
}

/* Latent SGD with momentum and no weight decay integrates: its poles are 1
 * and the momentum exactly, so the DC gain is infinite (not 1/(2^-52)). */
Test(filter, sgd_momentum_without_decay_is_an_integrator) {
  OptConfig c = config(OPT_SGD);
  c.momentum = 0.9;
  Filter f = filter_of(&c);
  cr_assert_eq(f.order, 2);
  cr_assert(f.pole_re[0] == 1 && f.pole_re[1] == 0.9, "poles %.17g %.17g", f.pole_re[0],
            f.pole_re[1]);
  cr_assert(isinf(filter_dc_gain(&f)), "dc gain %g", filter_dc_gain(&f));
  cr_assert_eq(filter_cutoff(&f), 0);
  c.wd = 1e-4; /* with decay the quadratic's poles stay inside */
  f = filter_of(&c);
  cr_assert(f.pole_re[0] < 1 && isfinite(filter_dc_gain(&f)));
}
