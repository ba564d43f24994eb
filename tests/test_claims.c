/* test_claims.c — the claims of docs/science.md sections 2-3, each exactly.
 *
 * Open loop: two real optimizers (optim_create / optim_step_layer) read the
 * same seeded synthetic gradient stream (per-weight drift plus noise) and must
 * give identical sign sequences at every one of STEPS steps on N weights; each
 * claim has a negative control that must part. Powers of two make the
 * scalings exact in float; settings where the two recursions round differently
 * (c = 3, lambda = 0.05, the worked example's poles) are checked as well. A
 * parting fails the test with its first step; every comparison is logged.
 * Closed loop: the same equivalences drive a small network on glyphs through
 * the trainer, and a mid-run switch SGD -> CEMA -> SGD changes no flip.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/load.h"
#include "engine/filter.h"
#include "engine/matmul.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/trainer.h"

enum { N = 4096, STEPS = 600 };

/* ---- open loop ---------------------------------------------------------- */

/* g[j] at step t = drift_j + noise * U(-1, 1); zero_first: g = 0 at step 1. */
typedef struct {
  float drift, noise;
  int zero_first;
} StreamSpec;

static const StreamSpec DRIFTING = {0.5f, 1.0f, 0};

typedef struct {
  Optimizer *o;
  float sign[N];
  double base;    /* the rate the schedule scales */
  int scheduled;  /* 1: rate = base * linear_factor(t), else base */
} Run;

/* The schedule of claim 5: linear decay per step, 1 at step 1, 1/STEPS at the end. */
static double linear_factor(size_t t) { return 1.0 - (double)(t - 1) / STEPS; }

/* Initial signs from a fixed seed (as the model's would be); latent init from `seed`. */
static Run *run_make(const OptConfig *cfg, uint64_t seed) {
  Run *r = calloc(1, sizeof *r);
  cr_assert_not_null(r);
  Rng rng;
  rng_seed(&rng, 77, RNG_STREAM_SIGNS);
  for (size_t j = 0; j < N; j++) r->sign[j] = rng_next(&rng) >> 63 ? 1.0f : -1.0f;
  size_t n = N;
  const float *signs[1] = {r->sign};
  char err[256];
  r->o = optim_create(cfg, 1, &n, signs, seed, err, sizeof err);
  cr_assert_not_null(r->o, "%s", err);
  r->base = optim_base_rate(cfg);
  return r;
}

static void run_free(Run *r) {
  optim_free(r->o);
  free(r);
}

typedef struct {
  size_t first;   /* first step whose signs differ; 0: none */
  size_t differ;  /* weight-steps whose signs differ */
  size_t flips;   /* flips of the first run */
} Parting;

/* Steps a and b through the same stream, then frees them; logs the parting. */
static Parting compare(const char *what, Run *a, Run *b, const StreamSpec *spec) {
  static float drift[N], g[N];
  Rng rng;
  rng_seed(&rng, 1234, RNG_STREAM_DATA);
  for (size_t j = 0; j < N; j++) drift[j] = spec->drift * (2 * rng_uniform(&rng) - 1);
  Parting p = {0};
  for (size_t t = 1; t <= STEPS; t++) {
    for (size_t j = 0; j < N; j++)
      g[j] = spec->zero_first && t == 1 ? 0.0f : drift[j] + spec->noise * (2 * rng_uniform(&rng) - 1);
    optim_begin_step(a->o, a->base * (a->scheduled ? linear_factor(t) : 1.0));
    optim_begin_step(b->o, b->base * (b->scheduled ? linear_factor(t) : 1.0));
    p.flips += optim_step_layer(a->o, 0, a->sign, g);
    optim_step_layer(b->o, 0, b->sign, g);
    if (memcmp(a->sign, b->sign, sizeof a->sign) == 0) continue;
    if (!p.first) p.first = t;
    for (size_t j = 0; j < N; j++) p.differ += a->sign[j] != b->sign[j];
  }
  cr_log_info("%s: %zu of %d weight-steps differ, first parting %s%zu; %zu flips", what, p.differ,
              N * STEPS, p.first ? "at step " : "none ", p.first, p.flips);
  run_free(a);
  run_free(b);
  return p;
}

static void expect_same(const char *what, Parting p) {
  cr_assert(p.flips > N / 4, "%s: too few flips (%zu) to test anything", what, p.flips);
  cr_assert_eq(p.first, 0, "%s: the sign sequences part at step %zu (%zu weight-steps differ)",
               what, p.first, p.differ);
}

static void expect_parts(const char *what, Parting p) {
  cr_assert(p.first > 0, "%s: the negative control did not change the trajectory", what);
}

static OptConfig sgd_config(double lr, double wd, double momentum, double dampening,
                            int decoupled, double init_scale) {
  OptConfig c;
  optim_defaults(OPT_SGD, &c);
  c.lr = lr;
  c.wd = wd;
  c.momentum = momentum;
  c.dampening = dampening;
  c.decoupled_wd = decoupled;
  c.init_scale = init_scale;
  return c;
}

static OptConfig cema_config(double alpha, double gamma) {
  OptConfig c;
  optim_defaults(OPT_CEMA, &c);
  c.alpha = alpha;
  c.gamma = gamma;
  return c;
}

static Filter filter_of(const OptConfig *c) {
  Filter f;
  char err[256];
  cr_assert_eq(filter_from_config(c, &f, err, sizeof err), 0, "%s", err);
  return f;
}

/* Latent SGD against CEMA `cema`, whose (m, i) start from the filter state of
 * SGD's w0 (filter_initial_state: i0 = -k w0, m0 = m_w w0) when from_w0, else
 * from zero; both follow the linear schedule when `scheduled`. */
static Parting sgd_vs_cema(const char *what, const OptConfig *sgd, const OptConfig *cema,
                           int from_w0, const StreamSpec *spec, int scheduled) {
  Filter f = filter_of(sgd);
  Run *a = run_make(sgd, 5), *b = run_make(cema, 5);
  a->scheduled = b->scheduled = scheduled;
  float *const *s = optim_state(b->o, 0);
  const float *w = optim_inertia(a->o, 0);
  for (size_t j = 0; from_w0 && j < N; j++) {
    double m0, i0;
    filter_initial_state(&f, w[j], &m0, &i0);
    s[0][j] = (float)m0;
    s[1][j] = (float)i0;
  }
  return compare(what, a, b, spec);
}

/* SGD against the CEMA its filter names (filter_from_config). */
static Parting sgd_vs_its_cema(const char *what, const OptConfig *sgd, const StreamSpec *spec,
                               int scheduled) {
  Filter f = filter_of(sgd);
  cr_assert(f.cema, "%s: no CEMA equivalent: %s", what, f.note);
  OptConfig cema = cema_config(f.alpha, f.gamma);
  return sgd_vs_cema(what, sgd, &cema, 1, spec, scheduled);
}

/* Claim 1: w <- w - eta (g + lambda w) is the EMA i <- (1-alpha) i + alpha g
 * with alpha = eta lambda, i = -lambda w. */
Test(claims, c1_sgd_with_weight_decay_is_an_ema) {
  OptConfig sgd = sgd_config(0.1, 0.0625, 0, 0, 0, 0.05);
  expect_same("claim 1", sgd_vs_its_cema("claim 1: sgd(0.1, 2^-4) vs ema", &sgd, &DRIFTING, 0));
  OptConfig off = cema_config(1.5 * 0.1 * 0.0625, 1);
  expect_parts("claim 1 control", sgd_vs_cema("claim 1 control: alpha = 1.5 eta lambda", &sgd, &off,
                                              1, &DRIFTING, 0));
  sgd.wd = 0.05; /* not a power of two: i = -lambda w rounds */
  expect_same("claim 1, wd 0.05", sgd_vs_its_cema("claim 1: sgd(0.1, 0.05) vs ema", &sgd, &DRIFTING, 0));
}

/* Claim 2: (c eta, lambda/c, c w0) keeps every b_t, for SGD (with PyTorch
 * momentum), Adam with L2 decay and AdamW; eta alone or w0 alone breaks it.
 * Powers of two make the scaling exact in float; c = 3 is checked as well. */
static void symmetry(OptKind kind, double momentum) {
  const char *name = optim_ops(kind)->name;
  OptConfig base;
  optim_defaults(kind, &base);
  base.lr = kind == OPT_SGD ? 0.05 : 0.01;
  base.wd = 0.5;
  base.momentum = momentum;
  base.init_scale = 0.2;
  const double cs[] = {4, 0.125, 3};
  for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
    OptConfig scaled = base;
    scaled.lr *= cs[i];
    scaled.wd /= cs[i];
    scaled.init_scale *= cs[i];
    char what[96];
    snprintf(what, sizeof what, "claim 2: %s, c = %g", name, cs[i]);
    expect_same(what, compare(what, run_make(&base, 9), run_make(&scaled, 9), &DRIFTING));
  }
  OptConfig lr_only = base, w0_only = base;
  lr_only.lr *= 4;
  w0_only.init_scale *= 4;
  expect_parts("claim 2 control: eta alone",
               compare("claim 2 control: eta x4", run_make(&base, 9), run_make(&lr_only, 9), &DRIFTING));
  expect_parts("claim 2 control: w0 alone",
               compare("claim 2 control: w0 x4", run_make(&base, 9), run_make(&w0_only, 9), &DRIFTING));
}

Test(claims, c2_symmetry_sgd) { symmetry(OPT_SGD, 0.9); }
Test(claims, c2_symmetry_adam_l2) { symmetry(OPT_ADAM, 0); }
Test(claims, c2_symmetry_adamw) { symmetry(OPT_ADAMW, 0); }

/* Claim 3: with lambda = 0, b_t = sign(w0/eta - sum g): only w0/eta matters. */
Test(claims, c3_without_weight_decay_only_w0_over_eta_matters) {
  OptConfig base = sgd_config(0.01, 0, 0, 0, 0, 1.0);
  const double cs[] = {8, 0.25, 3};
  for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
    OptConfig scaled = base;
    scaled.lr *= cs[i];
    scaled.init_scale *= cs[i];
    char what[96];
    snprintf(what, sizeof what, "claim 3: c = %g", cs[i]);
    expect_same(what, compare(what, run_make(&base, 3), run_make(&scaled, 3), &DRIFTING));
  }
  OptConfig ratio = base;
  ratio.init_scale *= 2;
  expect_parts("claim 3 control",
               compare("claim 3 control: w0/eta x2", run_make(&base, 3), run_make(&ratio, 3), &DRIFTING));

  /* The closed form itself (in double) wherever it is not within rounding of 0. */
  static float g[N];
  static double sum[N];
  Run *r = run_make(&base, 3);
  static float w0[N];
  memcpy(w0, optim_inertia(r->o, 0), sizeof w0);
  memset(sum, 0, sizeof sum);
  Rng rng;
  rng_seed(&rng, 4321, RNG_STREAM_DATA);
  size_t checked = 0;
  for (size_t t = 1; t <= STEPS; t++) {
    for (size_t j = 0; j < N; j++) g[j] = 0.2f * (2 * rng_uniform(&rng) - 1) + (j % 2 ? 0.01f : -0.01f);
    optim_begin_step(r->o, base.lr);
    optim_step_layer(r->o, 0, r->sign, g);
    for (size_t j = 0; j < N; j++) {
      sum[j] += g[j];
      double x = w0[j] / base.lr - sum[j];
      if (fabs(x) < 1e-3) continue;
      checked++;
      cr_assert_eq(r->sign[j], x > 0 ? 1.0f : -1.0f, "step %zu, weight %zu: b != sign(w0/eta - sum g)",
                   t, j);
    }
  }
  cr_assert(checked > (size_t)N * STEPS * 9 / 10);
  run_free(r);
}

/* Claim 4: latent SGD from w0 = 0 is CEMA started from zero; a nonzero w0 is
 * the filter's initial state i0 = -lambda w0, forgotten like (1 - alpha)^t. */
Test(claims, c4_zero_init_is_cema_from_zero) {
  OptConfig sgd = sgd_config(0.1, 0.125, 0, 0, 0, 0);
  OptConfig cema = cema_config(0.1 * 0.125, 1);
  expect_same("claim 4", sgd_vs_cema("claim 4: zero init vs cema from zero", &sgd, &cema, 0, &DRIFTING, 0));
  size_t last = SIZE_MAX;
  const double scales[] = {2.0, 0.2, 0.02};
  for (size_t i = 0; i < sizeof scales / sizeof *scales; i++) {
    sgd.init_scale = scales[i];
    char what[64];
    snprintf(what, sizeof what, "claim 4 control: init %g vs cema from zero", scales[i]);
    Parting p = sgd_vs_cema(what, &sgd, &cema, 0, &DRIFTING, 0);
    expect_parts(what, p);
    cr_assert(p.differ < last, "%s: %zu weight-steps differ, not fewer than %zu", what, p.differ, last);
    last = p.differ;
  }
  sgd.init_scale = 2.0;
  expect_same("claim 4, init 2 from i0",
              sgd_vs_cema("claim 4: init 2 vs cema from i0 = -lambda w0", &sgd, &cema, 1, &DRIFTING, 0));
}

/* Claim 5: SGD with EMA momentum (dampening = mu), decoupled weight decay and
 * a linear lr schedule is CEMA with alpha_t = eta_t lambda, gamma = 1 - mu.
 * PyTorch's first momentum step sets buf = g (ignoring dampening): a zero
 * first gradient makes that the EMA's m_1 = 0; the control shows the rule. */
Test(claims, c5_ema_momentum_decoupled_wd_schedule_is_cema) {
  OptConfig sgd = sgd_config(0.16, 0.0625, 0.875, 0.875, 1, 0);
  StreamSpec zero_first = DRIFTING;
  zero_first.zero_first = 1;
  expect_same("claim 5", sgd_vs_its_cema("claim 5: ema momentum + decoupled wd + linear lr", &sgd,
                                         &zero_first, 1));
  expect_parts("claim 5 control: first step",
               sgd_vs_its_cema("claim 5 control: nonzero first gradient", &sgd, &DRIFTING, 1));
  OptConfig cema = cema_config(0.16 * 0.0625, 0.125);
  Run *a = run_make(&sgd, 5), *b = run_make(&cema, 5);
  a->scheduled = 1; /* the CEMA keeps alpha constant */
  expect_parts("claim 5 control: schedule", compare("claim 5 control: cema without the schedule", a, b, &zero_first));
}

/* Claim 6: PyTorch momentum (no dampening, coupled wd) is the cascade whose
 * poles solve z^2 - (1 + mu - eta lambda) z + mu = 0, both states from
 * -lambda w0. mu = 889/1024, eta = 2^-6, lambda = 2^-4 give the poles
 * 127/128 and 7/8 exactly; the naive alpha = eta lambda, gamma = 1 - mu fails. */
Test(claims, c6_pytorch_momentum_is_the_exact_pole_cascade) {
  OptConfig sgd = sgd_config(1.0 / 64, 1.0 / 16, 889.0 / 1024, 0, 0, 0.5);
  Filter f = filter_of(&sgd);
  cr_assert(f.alpha == 1.0 / 128 && f.gamma == 1.0 / 8, "alpha %.17g gamma %.17g", f.alpha, f.gamma);
  expect_same("claim 6", sgd_vs_its_cema("claim 6: pytorch momentum vs exact poles", &sgd, &DRIFTING, 0));
  OptConfig naive = cema_config(sgd.lr * sgd.wd, 1 - sgd.momentum);
  expect_parts("claim 6 control", sgd_vs_cema("claim 6 control: naive alpha = eta lambda, gamma = 1 - mu",
                                              &sgd, &naive, 1, &DRIFTING, 0));
  /* the worked example, whose poles are not exact in float. */
  OptConfig worked = sgd_config(0.01, 0.05, 0.9, 0, 0, 0.5);
  expect_same("claim 6, worked example",
              sgd_vs_its_cema("claim 6: mu 0.9, (0.01, 0.05) vs its poles", &worked, &DRIFTING, 0));
}

/* Claim 7: Bop with tau = 0 is CEMA with alpha = 1 (and so is Bop2ndOrder,
 * whose positive denominator cannot change a sign). */
Test(claims, c7_bop_tau0_is_cema_alpha1) {
  OptConfig bop, bop2;
  optim_defaults(OPT_BOP, &bop);
  bop.tau = 0;
  bop.gamma = 0.01;
  bop2 = bop;
  bop2.kind = OPT_BOP2;
  OptConfig cema = cema_config(1, 0.01);
  expect_same("claim 7", compare("claim 7: bop(tau 0) vs cema(alpha 1)", run_make(&bop, 1),
                                 run_make(&cema, 1), &DRIFTING));
  expect_same("claim 7, bop2", compare("claim 7: bop2(tau 0) vs bop(tau 0)", run_make(&bop2, 1),
                                       run_make(&bop, 1), &DRIFTING));
  OptConfig band = bop, slow = cema;
  band.tau = 0.05;
  slow.alpha = 0.5;
  expect_parts("claim 7 control: tau",
               compare("claim 7 control: tau 0.05", run_make(&band, 1), run_make(&cema, 1), &DRIFTING));
  expect_parts("claim 7 control: alpha",
               compare("claim 7 control: alpha 0.5", run_make(&bop, 1), run_make(&slow, 1), &DRIFTING));
}

/* Claim 8: under white Gaussian gradients CEMA flips at arccos(rho_1)/pi per
 * step (docs/science.md section 3). Measured on the real optimizer after a burn-in
 * of 4/alpha steps; the standard error comes from the per-weight flip counts. */
typedef struct {
  double alpha, gamma, rate, se, predicted;
} FlipRate;

static FlipRate white_noise_flip_rate(double alpha, double gamma, size_t weights, size_t steps) {
  OptConfig cfg = cema_config(alpha, gamma);
  float *sign = malloc(weights * sizeof *sign), *prev = malloc(weights * sizeof *prev),
        *g = malloc(weights * sizeof *g);
  unsigned *count = calloc(weights, sizeof *count);
  cr_assert(sign && prev && g && count);
  for (size_t j = 0; j < weights; j++) sign[j] = 1;
  char err[256];
  const float *signs[1] = {sign};
  Optimizer *o = optim_create(&cfg, 1, &weights, signs, 1, err, sizeof err);
  cr_assert_not_null(o, "%s", err);
  Rng rng;
  rng_seed(&rng, (uint64_t)(1e6 * alpha + 1e3 * gamma), RNG_STREAM_DATA);
  size_t burn = (size_t)(4 / alpha);
  for (size_t t = 0; t < burn + steps; t++) {
    for (size_t j = 0; j < weights; j++) g[j] = (float)rng_normal(&rng);
    memcpy(prev, sign, weights * sizeof *sign);
    optim_begin_step(o, alpha);
    optim_step_layer(o, 0, sign, g);
    for (size_t j = 0; t >= burn && j < weights; j++) count[j] += prev[j] != sign[j];
  }
  double mean = 0, var = 0;
  for (size_t j = 0; j < weights; j++) mean += count[j];
  mean /= (double)weights;
  for (size_t j = 0; j < weights; j++) var += (count[j] - mean) * (count[j] - mean);
  var /= (double)(weights - 1);
  Filter f = filter_of(&cfg);
  FlipRate r = {alpha, gamma, mean / (double)steps, sqrt(var / (double)weights) / (double)steps,
                filter_flip_rate_white(&f)};
  cr_log_info("claim 8: alpha %g gamma %g: flip rate %.5f +- %.5f measured, %.5f predicted", alpha,
              gamma, r.rate, r.se, r.predicted);
  optim_free(o);
  free(sign);
  free(prev);
  free(g);
  free(count);
  return r;
}

Test(claims, c8_white_noise_flip_rates, .timeout = 60) {
  /* falling alpha or gamma, from left to right */
  FlipRate r[4] = {white_noise_flip_rate(0.1, 1, 8192, 250),
                   white_noise_flip_rate(0.1, 0.1, 8192, 400),
                   white_noise_flip_rate(0.05, 0.1, 8192, 600),
                   white_noise_flip_rate(0.002, 0.1, 8192, 1500)};
  for (int i = 0; i < 4; i++) {
    cr_assert(fabs(r[i].rate - r[i].predicted) < 4 * r[i].se,
              "alpha %g gamma %g: measured %.5f +- %.5f, predicted %.5f", r[i].alpha, r[i].gamma,
              r[i].rate, r[i].se, r[i].predicted);
    if (i > 0)
      cr_assert(r[i].rate + 4 * (r[i].se + r[i - 1].se) < r[i - 1].rate,
                "flip rate did not fall: %.5f then %.5f", r[i - 1].rate, r[i].rate);
  }
  /* docs/science.md section 3: the predictions */
  cr_assert_float_eq(r[0].predicted, 0.1436, 1e-4);
  cr_assert_float_eq(r[2].predicted, 0.02338, 1e-5);
  cr_assert_float_eq(r[3].predicted, 0.00462, 1e-5);
}

/* ---- closed loop on glyphs ---------------------------------------------- */

enum { LOOP_STEPS = 300, MIN_AGREE = 200 };

static Dataset *glyphs(void) {
  static Dataset ds;
  static int loaded;
  if (!loaded) {
    char err[256];
    DatasetOptions opt = {.seed = 1};
    cr_assert_eq(dataset_load("glyphs", &opt, &ds, err, sizeof err), 0, "%s", err);
    loaded = 1;
  }
  return &ds;
}

/* The precision of the closed loops' products (each test runs in its own process). */
static Precision loop_precision = PRECISION_FP32;

static Trainer *trainer_for(const OptConfig *oc, int linear) {
  TrainConfig tc = {.batch = 50, .max_steps = LOOP_STEPS, .real_lr = 1e-3, .seed = 11,
                    .precision = loop_precision};
  tc.schedule.kind = linear ? SCHED_LINEAR : SCHED_CONST;
  tc.schedule.per_step = 1;
  ModelSpec spec = {.hidden = {64}, .n_hidden = 1}; /* mlp:64 */
  char err[256];
  Trainer *t = trainer_create(&tc, &spec, oc, &glyphs()->train, NULL, err, sizeof err);
  cr_assert_not_null(t, "%s", err);
  return t;
}

/* Called before step `step` (1-based) of the second trainer. */
typedef void (*StepHook)(Trainer *t, size_t step, void *ctx);

/* Steps both trainers LOOP_STEPS times; returns the first step whose flips or
 * signs differ (0: none) and the first trainer's flips in *flips. */
static size_t closed_loop_parting(Trainer *a, Trainer *b, StepHook hook, void *ctx, size_t *flips) {
  char err[256];
  *flips = 0;
  for (size_t step = 1; step <= LOOP_STEPS; step++) {
    if (hook) hook(b, step, ctx);
    StepReport ra, rb;
    cr_assert_eq(trainer_step(a, &ra, err, sizeof err), 1, "%s", err);
    cr_assert_eq(trainer_step(b, &rb, err, sizeof err), 1, "%s", err);
    *flips += ra.flips;
    Model *ma = trainer_model(a), *mb = trainer_model(b);
    int same = ra.flips == rb.flips;
    for (size_t l = 0; same && l < ma->n_layers; l++)
      same = !memcmp(ma->layer[l].sign, mb->layer[l].sign,
                     ma->layer[l].in * ma->layer[l].out * sizeof(float));
    if (!same) return step;
  }
  return 0;
}

static void report_loop(const char *what, size_t first, size_t flips) {
  if (first) cr_log_info("%s: first parting at step %zu of %d; %zu flips", what, first, LOOP_STEPS, flips);
  else cr_log_info("%s: identical flips at all %d steps; %zu flips", what, LOOP_STEPS, flips);
  cr_assert(flips > 100, "%s: too few flips (%zu) to test anything", what, flips);
  cr_assert(first == 0 || first > MIN_AGREE, "%s: parted at step %zu, before step %d", what, first,
            MIN_AGREE);
}

/* Sets every layer's CEMA state of `cema` to the filter state of sgd's w0. */
static void cema_from_w0(Trainer *cema, Trainer *sgd, const Filter *f) {
  Optimizer *oc = trainer_optimizer(cema), *os = trainer_optimizer(sgd);
  for (size_t l = 0; l < optim_layers(oc); l++) {
    float *const *s = optim_state(oc, l);
    const float *w = optim_inertia(os, l);
    for (size_t j = 0; j < optim_layer_size(oc, l); j++) {
      double m0, i0;
      filter_initial_state(f, w[j], &m0, &i0);
      s[0][j] = (float)m0;
      s[1][j] = (float)i0;
    }
  }
}

/* SGD with weight decay (alpha = eta lambda = 0.01) against its CEMA: exact
 * from the filter state i0 = -lambda w0 of any init; with a near-zero init
 * (1e-10) also from zero, as CEMA starts. Control: an init of 1e-6 is a
 * filter state that matters (measured: parts at step 1; 1e-8 at step 7). */
static size_t sgd_vs_cema_on_glyphs(double init_scale, int from_w0, size_t *flips) {
  OptConfig sgd = sgd_config(0.16, 0.0625, 0, 0, 0, init_scale);
  Filter f = filter_of(&sgd);
  OptConfig cema = cema_config(f.alpha, f.gamma);
  Trainer *a = trainer_for(&sgd, 0), *b = trainer_for(&cema, 0);
  if (from_w0) cema_from_w0(b, a, &f);
  size_t first = closed_loop_parting(a, b, NULL, NULL, flips);
  trainer_free(a);
  trainer_free(b);
  return first;
}

Test(closed_loop, sgd_with_weight_decay_matches_its_cema_on_glyphs, .timeout = 60) {
  size_t flips, first = sgd_vs_cema_on_glyphs(1e-3, 1, &flips);
  report_loop("sgd (init 1e-3) vs cema from i0 = -lambda w0", first, flips);
  first = sgd_vs_cema_on_glyphs(1e-10, 0, &flips);
  report_loop("sgd (near-zero init 1e-10) vs cema from zero", first, flips);
  first = sgd_vs_cema_on_glyphs(1e-6, 0, &flips);
  cr_log_info("control: sgd (init 1e-6) vs cema from zero: first parting at step %zu", first);
  cr_assert(first > 0, "control: an init of 1e-6 made no difference");
}

static void bop_tau0_vs_cema_alpha1(void) {
  OptConfig bop;
  optim_defaults(OPT_BOP, &bop);
  bop.tau = 0;
  bop.gamma = 1e-3;
  OptConfig cema = cema_config(1, bop.gamma);
  size_t flips;
  Trainer *a = trainer_for(&bop, 0), *b = trainer_for(&cema, 0);
  size_t first = closed_loop_parting(a, b, NULL, NULL, &flips);
  report_loop("bop (tau 0) vs cema (alpha 1)", first, flips);
  trainer_free(a);
  trainer_free(b);
}

Test(closed_loop, bop_tau0_matches_cema_alpha1_on_glyphs, .timeout = 60) { bop_tau0_vs_cema_alpha1(); }

/* The loops compare two optimizers under one arithmetic: they hold in bf16
 * products as they do in fp32. */
Test(closed_loop, the_equivalences_hold_with_bf16_products, .timeout = 60) {
  if (bf16_products_missing())
    cr_skip_test("this CPU cannot run bf16 (it lacks %s)", bf16_products_missing());
  loop_precision = PRECISION_BF16;
  size_t flips, first = sgd_vs_cema_on_glyphs(1e-3, 1, &flips);
  report_loop("bf16: sgd (init 1e-3) vs cema from i0 = -lambda w0", first, flips);
  bop_tau0_vs_cema_alpha1();
}

/* A switch to `to` before step `at`, recording whether it was exact. */
typedef struct {
  size_t at[2];
  const OptConfig *to[2];
  int exact[2];
} Switches;

static void switch_hook(Trainer *t, size_t step, void *ctx) {
  Switches *s = ctx;
  for (int k = 0; k < 2; k++) {
    if (step != s->at[k]) continue;
    Model *m = trainer_model(t);
    const float *signs[MODEL_MAX_LAYERS];
    for (size_t l = 0; l < m->n_layers; l++) signs[l] = m->layer[l].sign;
    OptSwitch res;
    char err[256];
    cr_assert_eq(optim_switch(trainer_optimizer(t), s->to[k], signs, &res, err, sizeof err), 0, "%s", err);
    s->exact[k] = res.exact;
    cr_log_info("switch before step %zu: %s", step, res.message);
  }
}

Test(closed_loop, switch_sgd_cema_sgd_changes_no_flip, .timeout = 60) {
  OptConfig sgd = sgd_config(0.16, 0.0625, 0.875, 0.875, 1, 1e-3);
  Filter f = filter_of(&sgd);
  OptConfig cema = cema_config(f.alpha, f.gamma);
  Switches sw = {{101, 201}, {&cema, &sgd}, {0, 0}};
  size_t flips;
  Trainer *a = trainer_for(&sgd, 1), *b = trainer_for(&sgd, 1);
  size_t first = closed_loop_parting(a, b, switch_hook, &sw, &flips);
  cr_assert(sw.exact[0] && sw.exact[1], "the switches were not reported exact");
  cr_assert_eq(first, 0, "switching sgd -> cema -> sgd changed the flips at step %zu", first);
  cr_log_info("switch sgd -> cema -> sgd at steps 101, 201: identical flips at all %d steps; %zu flips",
              LOOP_STEPS, flips);
  cr_assert(flips > 100);
  trainer_free(a);
  trainer_free(b);

  /* Control: a CEMA off the equivalent by 10% is reported approximate and parts. */
  OptConfig off = cema_config(1.1 * f.alpha, f.gamma);
  Switches sw_off = {{101, 201}, {&off, &sgd}, {0, 0}};
  a = trainer_for(&sgd, 1);
  b = trainer_for(&sgd, 1);
  first = closed_loop_parting(a, b, switch_hook, &sw_off, &flips);
  cr_assert(!sw_off.exact[0], "a switch to another filter was reported exact");
  cr_assert(first > 100, "control: expected a parting after the switch, got step %zu", first);
  trainer_free(a);
  trainer_free(b);
}
