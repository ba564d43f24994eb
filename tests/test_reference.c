/* test_reference.c — flipscope's optimizers against references written here
 * from the published updates: the CEMA paper's optimizer, Larq's Bop, the
 * Bop2ndOrder authors' two forms, torch.optim.SGD and torch.optim.Adam/AdamW.
 *
 * Open loop: one recorded gradient stream (tests/data/grad_stream.bin, the
 * gradients of 128 weights over 250 steps of a real training run) goes through
 * a flipscope optimizer and through its reference, from the same signs and
 * the same latent initialisation. Each reference comes in two roundings:
 *   same   the published update rounded as flipscope rounds it (one rounding
 *          per operation, constants such as 1 - gamma formed in float): the
 *          sign sequences must be identical;
 *   theirs the reference's own rounding: torch's add_(x, alpha=a) and the
 *          like round once (an FMA), it forms 1 - gamma in double, Larq
 *          writes the EMA as m + gamma (g - m): there the sign sequences may
 *          part, and the share of weight-steps whose signs differ is bounded.
 * Larq's threshold rule (b*m == tau sets b = +1) differs from flipscope's
 * strict b*m > tau only at exact ties; that is pinned on a stream with zeros.
 *
 * FLIPSCOPE_UPDATE_STREAM=1 records the stream again (glyphs, mlp:32x32,
 * CEMA defaults, one thread) and rewrites the file.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/load.h"
#include "engine/optim.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/settings.h"
#include "engine/trainer.h"

enum { W = 128, STEPS = 250, EPOCH = 50 };
#define STREAM_PATH "tests/data/grad_stream.bin"
#define STREAM_MAGIC "FSGS"

static float stream[STEPS][W];

/* ---- the recorded stream ------------------------------------------------ */

/* Trains glyphs mlp:32x32 with CEMA and keeps, per step, the gradient of 64
 * weights of layer 0 and 32 each of layers 1 and 2, spread over each layer. */
static void record_stream(void) {
  char err[256];
  Dataset ds;
  DatasetOptions dopt = {.seed = 1};
  cr_assert_eq(dataset_load("glyphs", &dopt, &ds, err, sizeof err), 0, "%s", err);
  TrainConfig tc = {.batch = 100, .max_steps = STEPS, .real_lr = 1e-3, .seed = 3};
  tc.schedule.kind = SCHED_LINEAR;
  ModelSpec spec = {.hidden = {32, 32}, .n_hidden = 2}; /* mlp:32x32 */
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  cr_assert_eq(par_init(1), 0);
  Trainer *t = trainer_create(&tc, &spec, &oc, &ds.train, NULL, err, sizeof err);
  cr_assert_not_null(t, "%s", err);
  const size_t per_layer[3] = {64, 32, 32};
  for (size_t step = 0; step < STEPS; step++) {
    StepReport r;
    cr_assert_eq(trainer_step(t, &r, err, sizeof err), 1, "%s", err);
    const Model *m = trainer_model(t);
    size_t col = 0;
    for (size_t l = 0; l < 3; l++) {
      size_t n = m->layer[l].in * m->layer[l].out;
      for (size_t k = 0; k < per_layer[l]; k++)
        stream[step][col++] = m->layer[l].grad[(k * n) / per_layer[l] + k % 7];
    }
  }
  trainer_free(t);
  dataset_free(&ds);
  FILE *f = fopen(STREAM_PATH, "wb");
  cr_assert_not_null(f, STREAM_PATH);
  const uint32_t dims[2] = {W, STEPS};
  cr_assert_eq(fwrite(STREAM_MAGIC, 1, 4, f), 4);
  cr_assert_eq(fwrite(dims, sizeof dims, 1, f), 1);
  cr_assert_eq(fwrite(stream, sizeof stream, 1, f), 1);
  cr_assert_eq(fclose(f), 0);
}

/* Loads the stream (little-endian, as x86-64 writes it). */
static void load_stream(void) {
  if (getenv("FLIPSCOPE_UPDATE_STREAM")) record_stream();
  FILE *f = fopen(STREAM_PATH, "rb");
  cr_assert_not_null(f, "cannot open " STREAM_PATH);
  char magic[4];
  uint32_t dims[2];
  cr_assert_eq(fread(magic, 1, 4, f), 4);
  cr_assert(!memcmp(magic, STREAM_MAGIC, 4), STREAM_PATH ": bad magic");
  cr_assert_eq(fread(dims, sizeof dims, 1, f), 1);
  cr_assert(dims[0] == W && dims[1] == STEPS, STREAM_PATH ": %u x %u", dims[0], dims[1]);
  cr_assert_eq(fread(stream, sizeof stream, 1, f), 1, STREAM_PATH ": truncated");
  fclose(f);
}

TestSuite(reference, .init = load_stream);

/* ---- references ----------------------------------------------------------- */

/* One weight's state in a reference: its sign and up to three arrays' values. */
typedef struct {
  float b, s[3];
} Cell;

typedef enum { SAME, THEIRS } Rounding;

/* One step of a reference on one weight: gradient g, the scheduled rate, the
 * 1-based step t. */
typedef void (*RefStep)(const OptConfig *c, Rounding rnd, double rate, uint64_t t, float g,
                        Cell *x);

/* a * b + c rounded once (theirs) or twice (same). */
static float madd(Rounding rnd, float a, float b, float c) {
  return rnd == THEIRS ? fmaf(a, b, c) : a * b + c;
}

/* 1 - x in float: formed in double and rounded (theirs), or from float x (same). */
static float one_minus(Rounding rnd, double x) {
  return rnd == THEIRS ? (float)(1.0 - x) : 1.0f - (float)x;
}

/* The paper's cascaded_ema: m.mul_(1-gamma).add_(g, alpha=gamma);
 * i.mul_(1-alpha).add_(m, alpha=alpha); b *= -1 where i b > 0. s = (m, i). */
static void ref_cema(const OptConfig *c, Rounding rnd, double alpha, uint64_t t, float g, Cell *x) {
  (void)t;
  float gamma = (float)c->gamma, a = (float)alpha;
  x->s[0] = madd(rnd, gamma, g, x->s[0] * one_minus(rnd, c->gamma));
  x->s[1] = madd(rnd, a, x->s[0], x->s[1] * one_minus(rnd, alpha));
  if (x->s[1] * x->b > 0) x->b = -x->b;
}

/* The EMA of Bop and Bop2: Larq's m + gamma (g - m) (theirs), or flipscope's
 * (1 - gamma) m + gamma g (same). */
static float ema(Rounding rnd, double rate, float m, float g) {
  float r = (float)rate;
  return rnd == THEIRS ? m + r * (g - m) : (1.0f - r) * m + r * g;
}

/* Larq's flip rule, var = sign(-sign(var m - tau) var) with tf.sign(0) = 0
 * and Larq's sign(0) = +1: b flips past tau and becomes +1 at a tie. */
static void larq_rule(float y, float tau, float *b) {
  float d = *b * y - tau;
  *b = d > 0 ? -*b : d == 0 ? 1.0f : *b;
}

/* Larq's Bop: m <- m + gamma (g - m); Larq's rule on b m. */
static void ref_bop(const OptConfig *c, Rounding rnd, double gamma, uint64_t t, float g, Cell *x) {
  (void)t;
  x->s[0] = ema(rnd, gamma, x->s[0], g);
  larq_rule(x->s[0], (float)c->tau, &x->b);
}

/* The Bop2ndOrder authors' code: v <- v + sigma (g^2 - v); Larq's rule on
 * b m / (sqrt(v) + 1e-10), or on b (m/gamma) / (sqrt(v/sigma) + 1e-10) (unbiased). */
static void ref_bop2(const OptConfig *c, Rounding rnd, double gamma, uint64_t t, float g, Cell *x) {
  (void)t;
  float sigma = (float)c->sigma;
  x->s[0] = ema(rnd, gamma, x->s[0], g);
  x->s[1] = ema(rnd, c->sigma, x->s[1], g * g);
  float r = c->unbiased ? (x->s[0] / (float)gamma) / (sqrtf(x->s[1] / sigma) + 1e-10f)
                        : x->s[0] / (sqrtf(x->s[1]) + 1e-10f);
  larq_rule(r, (float)c->tau, &x->b);
}

/* b follows sign(w) once w != 0 (flipscope keeps b at w = 0). */
static void follow(float w, float *b) {
  if (w * *b < 0) *b = -*b;
}

/* torch.optim.SGD: d = g.add(p, alpha=wd); buf = d at the first step, else
 * buf.mul_(mu).add_(d, alpha=1-dampening); d = nesterov ? d.add(buf, alpha=mu) : buf;
 * p.add_(d, alpha=-lr). s = (w, buf). */
static void ref_sgd(const OptConfig *c, Rounding rnd, double lr, uint64_t t, float g, Cell *x) {
  float *w = &x->s[0], *buf = &x->s[1], mu = (float)c->momentum;
  float d = madd(rnd, (float)c->wd, *w, g);
  if (mu != 0) {
    *buf = t == 1 ? d : madd(rnd, one_minus(rnd, c->dampening), d, *buf * mu);
    d = c->nesterov ? madd(rnd, mu, *buf, d) : *buf;
  }
  *w = madd(rnd, -(float)lr, d, *w);
  follow(*w, &x->b);
}

/* torch.optim.Adam / AdamW (torch 1.13's single-tensor path): AdamW first
 * p.mul_(1 - lr wd), Adam g = g.add(p, alpha=wd); m.mul_(b1).add_(g, alpha=1-b1);
 * v.mul_(b2).addcmul_(g, g, value=1-b2); denom = sqrt(v)/sqrt(1-b2^t) + eps;
 * p.addcdiv_(m, denom, value=-lr/(1-b1^t)). flipscope multiplies by
 * 1/sqrt(1-b2^t) instead of dividing (same). s = (w, m, v). */
static void ref_adam(const OptConfig *c, Rounding rnd, double lr, uint64_t t, float g, Cell *x) {
  float *w = &x->s[0], *m = &x->s[1], *v = &x->s[2];
  float b1 = (float)c->beta1, b2 = (float)c->beta2;
  int adamw = c->kind == OPT_ADAMW;
  if (adamw) *w *= rnd == THEIRS ? (float)(1.0 - lr * c->wd) : 1.0f - (float)(lr * c->wd);
  else g = madd(rnd, (float)c->wd, *w, g);
  *m = madd(rnd, one_minus(rnd, c->beta1), g, *m * b1);
  *v = rnd == THEIRS ? fmaf(one_minus(rnd, c->beta2) * g, g, *v * b2)
                     : b2 * *v + one_minus(rnd, c->beta2) * g * g;
  float step = (float)(lr / (1.0 - pow(c->beta1, (double)t)));
  double bc2 = sqrt(1.0 - pow(c->beta2, (double)t));
  float denom = rnd == THEIRS ? sqrtf(*v) / (float)bc2 + (float)c->eps
                              : sqrtf(*v) * (float)(1.0 / bc2) + (float)c->eps;
  float delta = step * *m / denom;
  *w = adamw && rnd == SAME ? *w - delta : *w + -delta;
  follow(*w, &x->b);
}

/* ---- the comparison ------------------------------------------------------- */

typedef struct {
  size_t weight_steps, differ, flips;
  size_t state_differ; /* weight-steps whose inertia is not bit-identical */
  double max_rel;      /* the largest |a - b| / max(|a|, |b|) of the inertia */
} Tally;

/* The scheduled rate at step t: the base rate, decayed linearly per EPOCH steps when linear. */
static double rate_at(const OptConfig *c, int linear, uint64_t t) {
  double f = linear ? 1.0 - (double)((t - 1) / EPOCH) / (STEPS / EPOCH) : 1.0;
  return optim_base_rate(c) * f;
}

/* Steps flipscope's optimizer and the reference over the stream from signs of
 * `seed`, the reference from the optimizer's initial state. */
static Tally run_pair(const OptConfig *c, RefStep ref, Rounding rnd, int linear, uint64_t seed) {
  float sign[W];
  Cell x[W];
  Rng rng;
  rng_seed(&rng, seed, RNG_STREAM_SIGNS);
  for (size_t j = 0; j < W; j++) sign[j] = rng_next(&rng) >> 63 ? 1.0f : -1.0f;
  size_t n = W;
  const float *signs[1] = {sign};
  char err[256];
  Optimizer *o = optim_create(c, 1, &n, signs, seed, err, sizeof err);
  cr_assert_not_null(o, "%s", err);
  const OptimizerOps *ops = optim_ops(c->kind);
  for (size_t j = 0; j < W; j++) {
    x[j].b = sign[j];
    for (int s = 0; s < 3; s++) x[j].s[s] = s < ops->states ? optim_state(o, 0)[s][j] : 0;
  }
  Tally tally = {0};
  for (uint64_t t = 1; t <= STEPS; t++) {
    double rate = rate_at(c, linear, t);
    optim_begin_step(o, rate);
    tally.flips += optim_step_layer(o, 0, sign, stream[t - 1]);
    const float *inertia = optim_inertia(o, 0);
    for (size_t j = 0; j < W; j++) {
      ref(c, rnd, rate, t, stream[t - 1][j], &x[j]);
      tally.differ += x[j].b != sign[j];
      float a = inertia[j], b = x[j].s[ops->inertia_state];
      if (a == b) continue;
      tally.state_differ++;
      double rel = fabs((double)a - b) / fmax(fabs((double)a), fabs((double)b));
      if (rel > tally.max_rel) tally.max_rel = rel;
    }
    tally.weight_steps += W;
  }
  optim_free(o);
  return tally;
}

/* Runs a setting in both roundings over 8 initial sign patterns: the same
 * rounding must match exactly, the reference's own must stay within
 * max_share of the weight-steps. */
static void check(const char *what, const OptConfig *c, RefStep ref, int linear, double max_share) {
  Tally same = {0}, theirs = {0};
  for (uint64_t seed = 1; seed <= 8; seed++) {
    Tally a = run_pair(c, ref, SAME, linear, seed), b = run_pair(c, ref, THEIRS, linear, seed);
    same.weight_steps += a.weight_steps, same.differ += a.differ, same.flips += a.flips;
    same.state_differ += a.state_differ;
    theirs.weight_steps += b.weight_steps, theirs.differ += b.differ;
    theirs.state_differ += b.state_differ, theirs.max_rel = fmax(theirs.max_rel, b.max_rel);
  }
  cr_log_info("%s: %zu weight-steps, %zu flips; same rounding: %zu signs and %zu states differ; "
              "their rounding: %zu signs differ, %zu states (%.1f%%) by at most %.2g relative",
              what, same.weight_steps, same.flips, same.differ, same.state_differ, theirs.differ,
              theirs.state_differ, 100.0 * (double)theirs.state_differ / (double)theirs.weight_steps,
              theirs.max_rel);
  cr_assert_eq(same.state_differ, 0, "%s: the same rounding gives other states", what);
  cr_assert(same.flips > same.weight_steps / 1000, "%s: %zu flips, too few to test", what, same.flips);
  cr_assert_eq(same.differ, 0, "%s: %zu weight-steps differ in the same rounding", what, same.differ);
  cr_assert(theirs.differ <= max_share * (double)theirs.weight_steps,
            "%s: %zu of %zu weight-steps differ in the reference's rounding (bound %.1e)", what,
            theirs.differ, theirs.weight_steps, max_share);
}

static OptConfig config(OptKind kind) {
  OptConfig c;
  optim_defaults(kind, &c);
  return c;
}

/* The bound on the share of weight-steps whose signs part in a reference's
 * own rounding (see docs/science.md for the measured shares). */
#define ROUNDING_BOUND 1e-3

Test(reference, stream_is_a_real_gradient_stream) {
  size_t zeros = 0, nonfinite = 0;
  double sum2 = 0;
  for (size_t t = 0; t < STEPS; t++)
    for (size_t j = 0; j < W; j++) {
      zeros += stream[t][j] == 0;
      nonfinite += !isfinite(stream[t][j]);
      sum2 += (double)stream[t][j] * stream[t][j];
    }
  cr_log_info("stream: %d weights x %d steps, %zu exact zeros, rms %.3g", W, STEPS, zeros,
              sqrt(sum2 / (W * STEPS)));
  cr_assert_eq(nonfinite, 0);
  cr_assert(sum2 > 0 && zeros < (size_t)(W * STEPS) / 2);
}

/* A setting checked against its reference: the optimizer, its settings away
 * from the defaults (by their names in engine/settings.c), and whether the
 * rate falls linearly per epoch. */
typedef struct {
  const char *what;
  OptKind kind;
  RefStep ref;
  int linear;
  struct {
    const char *name;
    double value;
  } set[4];
} RefCase;

static const RefCase ref_cases[] = {
    {"cema alpha 1e-3 gamma 0.1, linear per epoch", OPT_CEMA, ref_cema, 1, {{0}}},
    {"cema alpha 0.05 gamma 0.5", OPT_CEMA, ref_cema, 0, {{"alpha", 0.05}, {"gamma", 0.5}}},
    {"bop gamma 1e-2 tau 1e-8", OPT_BOP, ref_bop, 0, {{"gamma", 1e-2}}},
    {"bop gamma 0.1 tau 1e-6", OPT_BOP, ref_bop, 0, {{"gamma", 0.1}, {"tau", 1e-6}}},
    {"bop2 gamma 1e-2 tau 1e-3 sigma 1e-2", OPT_BOP2, ref_bop2, 0,
     {{"gamma", 1e-2}, {"tau", 1e-3}}},
    {"bop2 unbiased gamma 1e-2 tau 0.1 sigma 1e-2", OPT_BOP2, ref_bop2, 0,
     {{"gamma", 1e-2}, {"tau", 0.1}, {"unbiased", 1}}},
    {"sgd lr 0.1", OPT_SGD, ref_sgd, 1, {{"init-scale", 1e-4}}},
    {"sgd lr 0.1 momentum 0.9 wd 5e-4", OPT_SGD, ref_sgd, 1,
     {{"init-scale", 1e-4}, {"momentum", 0.9}, {"wd", 5e-4}}},
    {"sgd lr 0.1 momentum 0.9 dampening 0.9 wd 1e-2", OPT_SGD, ref_sgd, 0,
     {{"init-scale", 1e-4}, {"momentum", 0.9}, {"dampening", 0.9}, {"wd", 1e-2}}},
    {"sgd lr 0.1 nesterov 0.9 wd 1e-2", OPT_SGD, ref_sgd, 0,
     {{"init-scale", 1e-4}, {"momentum", 0.9}, {"nesterov", 1}, {"wd", 1e-2}}},
    {"adam lr 1e-3", OPT_ADAM, ref_adam, 1, {{"init-scale", 1e-2}}},
    {"adam lr 1e-3 wd 1e-2 (L2)", OPT_ADAM, ref_adam, 0, {{"init-scale", 1e-2}, {"wd", 1e-2}}},
    {"adamw lr 1e-3 wd 0.1", OPT_ADAMW, ref_adam, 1, {{"init-scale", 1e-2}, {"wd", 1e-1}}},
};

/* Checks every case of ref_cases whose reference is ref. */
static void check_cases(RefStep ref) {
  size_t checked = 0;
  for (size_t i = 0; i < sizeof ref_cases / sizeof *ref_cases; i++) {
    const RefCase *rc = &ref_cases[i];
    if (rc->ref != ref) continue;
    OptConfig c = config(rc->kind);
    for (size_t k = 0; k < sizeof rc->set / sizeof *rc->set && rc->set[k].name; k++) {
      const OptSetting *s = setting_lookup(rc->set[k].name, strlen(rc->set[k].name));
      cr_assert(s, "%s: no setting %s", rc->what, rc->set[k].name);
      setting_set(s, &c, rc->set[k].value);
    }
    check(rc->what, &c, ref, rc->linear, ROUNDING_BOUND);
    checked++;
  }
  cr_assert_gt(checked, 0, "no case for this reference");
}

Test(reference, cema_is_the_papers) { check_cases(ref_cema); }
Test(reference, bop_is_larqs_away_from_ties) { check_cases(ref_bop); }
Test(reference, bop2_is_the_authors_both_forms) { check_cases(ref_bop2); }
Test(reference, sgd_is_torchs) { check_cases(ref_sgd); }
Test(reference, adam_and_adamw_are_torchs) { check_cases(ref_adam); }

Test(reference, bop_threshold_ties_keep_the_weight) {
  /* Every fourth weight never gets a gradient: its m stays exactly 0, so with
   * tau = 0 b m == tau at every step. flipscope keeps such a weight; Larq's
   * rule makes it +1 at step 1. The other weights go as the stream says. */
  OptConfig c = config(OPT_BOP);
  c.gamma = 0.1, c.tau = 0;
  float sign[W], first[W];
  Cell x[W];
  Rng rng;
  rng_seed(&rng, 5, RNG_STREAM_SIGNS);
  for (size_t j = 0; j < W; j++) first[j] = sign[j] = rng_next(&rng) >> 63 ? 1.0f : -1.0f;
  for (size_t j = 0; j < W; j++) x[j] = (Cell){.b = sign[j]};
  size_t n = W;
  const float *signs[1] = {sign};
  char err[256];
  Optimizer *o = optim_create(&c, 1, &n, signs, 5, err, sizeof err);
  cr_assert_not_null(o, "%s", err);
  size_t differ_live = 0;
  for (uint64_t t = 1; t <= STEPS; t++) {
    float g[W];
    for (size_t j = 0; j < W; j++) g[j] = j % 4 ? stream[t - 1][j] : 0.0f;
    optim_begin_step(o, c.gamma);
    optim_step_layer(o, 0, sign, g);
    for (size_t j = 0; j < W; j++) {
      ref_bop(&c, SAME, c.gamma, t, g[j], &x[j]);
      differ_live += j % 4 && x[j].b != sign[j];
    }
  }
  size_t negative = 0;
  for (size_t j = 0; j < W; j += 4) {
    cr_assert_eq(sign[j], first[j], "weight %zu without gradient changed sign", j);
    cr_assert_eq(x[j].b, 1.0f, "Larq's rule sets weight %zu to +1", j);
    negative += first[j] < 0;
  }
  cr_assert(negative > 0, "some weight without gradient starts at -1");
  cr_log_info("bop tau 0: %zu weights without gradient, %zu of them -1 at the start: flipscope "
              "keeps them, Larq's rule sets them to +1; the others part at %zu weight-steps",
              (size_t)W / 4, negative, differ_live);
  cr_assert_eq(differ_live, 0, "weights with gradients meet no tie and go alike");
  optim_free(o);
}
