/* test_real_layers.c — the real-valued first and last layers (--real-first,
 * --real-last): their gradients against finite differences, checkpoints with
 * them and without (the version-2 format still loads), their refusals, and
 * that a real first layer makes the 2-D data sets learnable, as the --screen
 * decision-boundary pane of xor shows. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/load.h"
#include "engine/checkpoint.h"
#include "engine/loss.h"
#include "engine/model.h"
#include "engine/parallel.h"
#include "engine/rng.h"
#include "engine/trainer.h"
#include "membuf.h"
#include "files.h"
#include "proc.h"
#include "tmpdir.h"

#define B 8
#define IN 3
#define CLASSES 3

/* A model 3 -> real 6 -> binary 5 -> real 3, with a batch and its labels. */
typedef struct {
  Model m;
  float x[B * IN];
  uint8_t y[B];
} GradCase;

static void grad_case(GradCase *c) {
  cr_assert_eq(par_init(1), 0);
  ModelSpec spec = {.hidden = {6, 5}, .n_hidden = 2, .real_first = 1, .real_last = 1};
  char err[256];
  cr_assert_eq(model_create(&c->m, &spec, &(ModelInput){.dim = IN}, CLASSES, B, 5, err, sizeof err), 0, "%s", err);
  cr_assert_eq(c->m.n_layers, 1, "only the middle layer is binary");
  Rng r;
  rng_seed(&r, 3, 0);
  for (int i = 0; i < B * IN; i++) c->x[i] = 2.0f * rng_uniform(&r) - 1.0f;
  for (int i = 0; i < B; i++) c->y[i] = (uint8_t)(i % CLASSES);
}

static double model_loss(GradCase *c) {
  const float *logits = model_forward(&c->m, c->x, B, 1);
  return softmax_xent(logits, c->y, B, CLASSES, NULL, NULL);
}

/* dF/dp by central differences. */
static double central(float *p, double (*f)(GradCase *), GradCase *c) {
  const float h = 1e-2f, saved = *p;
  *p = saved + h;
  double up = f(c);
  *p = saved - h;
  double down = f(c);
  *p = saved;
  return (up - down) / (2.0 * h);
}

/* The gradient reaching the real first layer's output z through the
 * straight-through sign (hard-tanh): dL/da (from the binary layer's dL/dh
 * and its signs) where |z| <= 1. */
static float upstream[B * 6], first_z[B * 6];
static double first_surrogate(GradCase *c) {
  model_forward(&c->m, c->x, B, 1);
  const float *z = model_layer_z(&c->m.real_first, B, 1, first_z);
  double s = 0;
  for (int i = 0; i < B * 6; i++) s += (double)upstream[i] * z[i];
  return s;
}

Test(real_layers, gradients_match_finite_differences) {
  GradCase c;
  grad_case(&c);
  float dlogits[B * CLASSES];
  model_forward(&c.m, c.x, B, 1);
  softmax_xent(c.m.real_last.z, c.y, B, CLASSES, dlogits, NULL);
  model_backward(&c.m, c.x, B, dlogits, NULL, NULL);
  /* The last layer is smooth in its weights and batch-norm parameters. */
  Layer *top = &c.m.real_last;
  float *params[3] = {top->sign, top->bn_scale, top->bn_shift};
  const float *grads[3] = {top->grad, top->bn_dscale, top->bn_dshift};
  size_t counts[3] = {top->in * top->out, top->out, top->out};
  for (int k = 0; k < 3; k++)
    for (size_t j = 0; j < counts[k]; j++) {
      double fd = central(&params[k][j], model_loss, &c);
      cr_assert(fabs(fd - grads[k][j]) < 1e-3 + 2e-2 * fabs(fd), "last layer param %d.%zu: %g vs %g",
                k, j, grads[k][j], fd);
    }
  /* The first layer, behind a sign: against the surrogate sum(upstream * z). */
  Layer *mid = &c.m.layer[0], *first = &c.m.real_first;
  model_forward(&c.m, c.x, B, 1);
  softmax_xent(c.m.real_last.z, c.y, B, CLASSES, dlogits, NULL);
  model_backward(&c.m, c.x, B, dlogits, NULL, NULL);
  const float *z = model_layer_z(first, B, 1, first_z);
  for (int b = 0; b < B; b++)
    for (size_t k = 0; k < first->out; k++) {
      double da = 0;
      for (size_t n = 0; n < mid->out; n++) da += mid->dz[b * mid->out + n] * mid->sign[n * mid->in + k];
      upstream[b * 6 + k] = fabsf(z[b * 6 + k]) <= 1.0f ? (float)da : 0.0f;
    }
  float want[IN * 6], want_scale[6];
  memcpy(want, first->grad, sizeof want);
  memcpy(want_scale, first->bn_dscale, sizeof want_scale);
  for (size_t j = 0; j < IN * 6; j++) {
    double fd = central(&first->sign[j], first_surrogate, &c);
    cr_assert(fabs(fd - want[j]) < 1e-3 + 2e-2 * fabs(fd), "first layer weight %zu: %g vs %g", j,
              want[j], fd);
  }
  for (size_t j = 0; j < 6; j++) {
    double fd = central(&first->bn_scale[j], first_surrogate, &c);
    cr_assert(fabs(fd - want_scale[j]) < 1e-3 + 2e-2 * fabs(fd), "first layer scale %zu: %g vs %g",
              j, want_scale[j], fd);
  }
  model_free(&c.m);
}

static Dataset xor_data;

/* A trainer on xor (mlp:16x8 with the given real layers). */
static Trainer *xor_trainer(int real_first, int real_last) {
  static int loaded;
  char err[256];
  if (!loaded) {
    cr_assert_eq(par_init(1), 0);
    cr_assert_eq(dataset_load("xor", &(DatasetOptions){.seed = 1}, &xor_data, err, sizeof err), 0,
                 "%s", err);
    loaded = 1;
  }
  ModelSpec spec = {.hidden = {16, 8}, .n_hidden = 2, .real_first = real_first,
                    .real_last = real_last};
  OptConfig oc;
  optim_defaults(OPT_CEMA, &oc);
  TrainConfig tc = {.batch = 50, .epochs = 4, .real_lr = 1e-2, .seed = 9,
                    .schedule = {.kind = SCHED_LINEAR}};
  Trainer *t = trainer_create(&tc, &spec, &oc, &xor_data.train, &xor_data.test, err, sizeof err);
  cr_assert(t, "%s", err);
  return t;
}

static Buf save(Trainer *t) {
  Buf b = {0};
  char err[256];
  cr_assert_eq(checkpoint_write(t, NULL, to_buf, &b, err, sizeof err), 0, "%s", err);
  return b;
}

static void steps(Trainer *t, int n, StepReport *r) {
  char err[512];
  for (int s = 0; s < n; s++) cr_assert_eq(trainer_step(t, r, err, sizeof err), 1, "%s", err);
}

Test(real_layers, a_checkpoint_round_trip_continues_exactly) {
  const int shapes[3][2] = {{1, 0}, {0, 1}, {1, 1}};
  for (int k = 0; k < 3; k++) {
    Trainer *a = xor_trainer(shapes[k][0], shapes[k][1]);
    Trainer *b = xor_trainer(shapes[k][0], shapes[k][1]);
    StepReport ra, rb;
    steps(a, 30, &ra);
    Buf buf = save(a);
    CkptInfo info;
    char err[512];
    cr_assert_eq(checkpoint_inspect(buf.data, buf.len, &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(info.version, 3);
    cr_assert(info.real_first == shapes[k][0] && info.real_last == shapes[k][1]);
    char name[160];
    checkpoint_model_name(&info, name, sizeof name);
    const char *want[3] = {"mlp:16x8 real-first (2 inputs, 2 classes)",
                           "mlp:16x8 real-last (2 inputs, 2 classes)",
                           "mlp:16x8 real-first real-last (2 inputs, 2 classes)"};
    cr_assert_str_eq(name, want[k]);
    cr_assert_eq(checkpoint_restore(b, buf.data, buf.len, err, sizeof err), 0, "%s", err);
    free(buf.data);
    for (int s = 0; s < 20; s++) {
      steps(a, 1, &ra);
      steps(b, 1, &rb);
      cr_assert(ra.loss == rb.loss && ra.flips == rb.flips, "shape %d step %llu: %.9g vs %.9g", k,
                (unsigned long long)ra.step, ra.loss, rb.loss);
    }
    cr_assert_eq(trainer_evaluate(a, &xor_data.test, NULL), trainer_evaluate(b, &xor_data.test, NULL));
    trainer_free(a);
    trainer_free(b);
  }
}

Test(real_layers, a_model_without_them_writes_version_2_and_mismatches_are_refused) {
  Trainer *plain = xor_trainer(0, 0), *real = xor_trainer(1, 0);
  Buf p = save(plain), r = save(real);
  CkptInfo info;
  char err[512];
  cr_assert_eq(checkpoint_inspect(p.data, p.len, &info, err, sizeof err), 0, "%s", err);
  cr_assert_eq(info.version, 2, "without real layers the format is the old one");
  cr_assert_eq(checkpoint_restore(real, p.data, p.len, err, sizeof err), -1);
  cr_assert_str_eq(err, "the checkpoint's model is mlp:16x8 (2 inputs, 2 classes); this run's model, "
                        "real-first, real-last and data make mlp:16x8 real-first (2 inputs, 2 classes)");
  cr_assert_eq(checkpoint_restore(plain, r.data, r.len, err, sizeof err), -1);
  cr_assert(strstr(err, "the checkpoint's model is mlp:16x8 real-first"), "%s", err);
  /* A version-3 body read as version 2 is corrupt, not silently misread. */
  r.data[8] = 2;
  cr_assert_eq(checkpoint_inspect(r.data, r.len, &info, err, sizeof err), -1);
  free(p.data), free(r.data);
  trainer_free(plain);
  trainer_free(real);
}

/* A checkpoint written by flipscope before real layers existed (format 2). */
#define OLD_CKPT "tests/data/v2_xor_mlp8.ckpt"

Test(real_layers, an_old_checkpoint_still_loads) {
  ProcResult r;
  run_flipscope("--headless --load " OLD_CKPT " --epochs 2 --threads 1", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert(strstr(r.out, "\"steps\":20,"), "%s", r.out);
  cr_assert(!strstr(r.out, "real_first"), "%s", r.out);
  run_flipscope("--headless --load " OLD_CKPT " --epochs 2 --real-first", &r);
  cr_assert_eq(r.code, 1);
  cr_assert(strstr(r.err, "this run's --model, --real-first, --real-last and --data make mlp:8 "
                          "real-first (2 inputs, 2 classes)\n"), "%s", r.err);
  run_flipscope("checkpoint " OLD_CKPT, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert(strstr(r.out, "\"version\":2,"), "%s", r.out);
}

Test(real_layers, a_model_with_no_binary_layer_is_refused) {
  ProcResult r;
  run_flipscope("--headless --data xor --model mlp:8 --real-first --real-last", &r);
  cr_assert_eq(r.code, 2);
  cr_assert_str_eq(r.err, "flipscope: --real-first and --real-last leave no binary layer: give "
                          "--model at least 2 hidden layers\n");
  run_flipscope("--headless --data xor --model mlp: --real-last", &r);
  cr_assert_eq(r.code, 2);
  cr_assert(strstr(r.err, "--real-last leaves no binary layer"), "%s", r.err);
}

/* The README's recipe for the 2-D sets must reach 95 % on xor, the one that
 * needs the real first layer (82.1 % without it; circles and spiral reach
 * 99.4 % and 97.0 % on binary first-layer weights too). */
Test(real_layers, a_real_first_layer_learns_xor, .timeout = 60) {
  ProcResult r;
  run_flipscope_within(30, "--headless --data xor --model mlp:128x64 --real-first "
                           "--real-lr 3e-2 --batch 50 --epochs 200 --seed 1", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  double test_acc = json_number(r.out, "test_acc");
  cr_assert(test_acc >= 0.95, "test accuracy %.4f: %s", test_acc, r.out);
}

/* The class a quadrant of the ASCII boundary pane shows most: '.' (class 0)
 * or ':' (class 1); rows [y0, y1) and columns [x0, x1) of the screen. */
static char quadrant_class(char **line, int y0, int y1, int x0, int x1) {
  int dots = 0, colons = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) dots += line[y][x] == '.', colons += line[y][x] == ':';
  return dots > colons ? '.' : ':';
}

/* --screen of a 2-feature run shows the decision over the plane: after the
 * xor recipe, opposite quadrants (x y > 0, x y < 0) take the same class. */
Test(real_layers, the_screen_of_xor_shows_its_decision_boundary, .init = tmpdir_make,
     .fini = tmpdir_remove, .timeout = 60) {
  setenv("LC_ALL", "C", 1);
  setenv("FLIPSCOPE_SCREEN_SIZE", "80x24", 1);
  ProcResult r;
  run_flipscopef(&r, "--headless --data xor --model mlp:128x64 --real-first --real-lr 3e-2 "
                     "--batch 50 --epochs 200 --seed 1 --screen %s", in_tmp("screen.txt"));
  cr_assert_eq(r.code, 0, "%s", r.err);
  char *screen = file_read(in_tmp("screen.txt"), NULL);
  cr_assert(screen);
  char *line[24];
  int n = 0;
  for (char *p = strtok(screen, "\n"); p && n < 24; p = strtok(NULL, "\n")) line[n++] = p;
  cr_assert_eq(n, 24);
  cr_assert(strstr(line[2], "[D decision boundary]"), "%s", line[2]);
  /* The pane's plane: screen rows 3..20, columns 1..50 (80x24 layout). */
  char tl = quadrant_class(line, 3, 12, 1, 26), tr = quadrant_class(line, 3, 12, 26, 51);
  char bl = quadrant_class(line, 12, 21, 1, 26), br = quadrant_class(line, 12, 21, 26, 51);
  cr_assert(tl == br && tr == bl && tl != tr, "quadrants %c %c / %c %c", tl, tr, bl, br);
  free(screen);
}

/* A NaN in the real layers' share of the Adam state is named as theirs. */
Test(real_layers, nan_in_their_adam_state_names_the_real_layers) {
  Trainer *t = xor_trainer(1, 1);
  StepReport r;
  steps(t, 2, &r);
  TrainerState st;
  trainer_state(t, &st);
  st.real_opt->v[st.real_opt->n - 1] = NAN;
  char err[512];
  cr_assert_eq(trainer_check_state(t, err, sizeof err), -1);
  cr_assert_str_eq(err, "step 2: the real layers: their Adam's second moment holds NaN (finite at "
                        "step 0); lower real-lr");
  st.real_opt->v[st.real_opt->n - 1] = 0;
  st.real_opt->m[0] = NAN;
  cr_assert_eq(trainer_check_state(t, err, sizeof err), -1);
  cr_assert(strstr(err, "layer 0: the batch-norm Adam's first moment"), "%s", err);
  trainer_free(t);
}
