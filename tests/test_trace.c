/* test_trace.c — --trace-weights: the trace records of single weights agree
 * with each optimizer's flip rule, step by step (engine/trace.h, docs/logs.md). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>

#include "datasets/load.h"
#include "engine/trainer.h"
#include "tests/proc.h"
#include "tests/tmpdir.h"

TestSuite(trace, .init = tmpdir_make, .fini = tmpdir_remove);

#define MAX_STEPS 400
#define MAX_W 8

/* The trace records of a JSONL log, as arrays per traced weight. */
typedef struct {
  size_t steps, weights;
  double step[MAX_STEPS];
  double y[MAX_W][MAX_STEPS], state[MAX_W][MAX_STEPS], threshold[MAX_STEPS];
  int b[MAX_W][MAX_STEPS];
  char opt[MAX_STEPS][8];
} Trace;

/* Reads the trace records of path into t, taking state `name` ("i", "m") of
 * each weight too; checks the header lists `weights` traced weights. */
static void read_trace(const char *path, const char *name, size_t weights, Trace *t) {
  FILE *f = fopen(path, "r");
  cr_assert(f, "no log %s", path);
  char line[1 << 16];
  memset(t, 0, sizeof *t);
  while (fgets(line, sizeof line, f)) {
    json_t *j = json_loads(line, 0, NULL);
    cr_assert(j, "not JSON: %s", line);
    const char *type = json_string_value(json_object_get(j, "type"));
    if (!strcmp(type, "header")) {
      t->weights = json_array_size(json_object_get(j, "trace"));
      cr_assert_eq(t->weights, weights, "the header lists %zu traced weights", t->weights);
    } else if (!strcmp(type, "trace") && t->steps < MAX_STEPS) {
      size_t s = t->steps++;
      const json_t *w = json_object_get(j, "weights");
      cr_assert_eq(json_array_size(w), weights);
      t->step[s] = json_number_value(json_object_get(j, "step"));
      t->threshold[s] = json_number_value(json_object_get(j, "threshold"));
      snprintf(t->opt[s], sizeof t->opt[s], "%s", json_string_value(json_object_get(j, "opt")));
      for (size_t k = 0; k < weights; k++) {
        const json_t *e = json_array_get(w, k);
        t->b[k][s] = (int)json_integer_value(json_object_get(e, "b"));
        t->y[k][s] = json_number_value(json_object_get(e, "y"));
        const json_t *v = json_object_get(e, name);
        cr_assert(v, "step %zu: weight %zu has no state '%s'", s + 1, k, name);
        t->state[k][s] = json_number_value(v);
      }
    }
    json_decref(j);
  }
  fclose(f);
}

/* Runs a small xor model for `steps` steps with `flags`, tracing 4 random
 * weights per layer (8 in all) into the test's log, and reads the trace. */
static void traced_run(const char *flags, size_t steps, const char *state, Trace *t) {
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data xor --model mlp:8 --batch 50 --steps %zu "
                   "--trace-weights 4 --log-jsonl %s %s", steps, in_tmp("t.jsonl"), flags);
  read_trace(in_tmp("t.jsonl"), state, 8, t);
  cr_assert_eq(t->steps, steps, "one trace record per step: %zu of %zu", t->steps, steps);
  for (size_t s = 0; s < steps; s++) cr_assert_eq(t->step[s], (double)(s + 1));
}

/* The sign of x, with zero keeping the previous sign. */
static int sign_or(double x, int previous) { return x > 0 ? 1 : x < 0 ? -1 : previous; }

Test(trace, cema_sign_changes_exactly_where_i_changes_sign) {
  Trace t;
  traced_run("--opt cema --alpha 0.3 --gamma 0.5 --change 150:alpha=0.05", 300, "i", &t);
  size_t flips = 0;
  for (size_t k = 0; k < t.weights; k++) {
    int i_sign = sign_or(t.state[k][0], -t.b[k][0]);
    for (size_t s = 1; s < t.steps; s++) {
      int now = sign_or(t.state[k][s], i_sign);
      int b_changed = t.b[k][s] != t.b[k][s - 1], i_changed = now != i_sign;
      cr_assert_eq(b_changed, i_changed, "weight %zu, step %zu: b %d -> %d but i %g -> %g", k, s + 1,
                   t.b[k][s - 1], t.b[k][s], t.state[k][s - 1], t.state[k][s]);
      cr_assert_eq(t.y[k][s], t.state[k][s], "CEMA's filter-unit value is its i");
      flips += (size_t)b_changed;
      i_sign = now;
    }
  }
  cr_assert_gt(flips, 10, "the traced weights flipped only %zu times", flips);
}

Test(trace, bop_flips_exactly_where_m_crosses_tau_against_the_sign) {
  Trace t;
  traced_run("--opt bop --gamma 0.2 --tau 2e-3", 300, "m", &t);
  size_t flips = 0, held = 0;
  for (size_t k = 0; k < t.weights; k++)
    for (size_t s = 1; s < t.steps; s++) {
      float against = (float)(t.b[k][s - 1] * t.state[k][s]); /* m against the sign */
      int flipped = t.b[k][s] != t.b[k][s - 1];
      cr_assert_eq((float)t.threshold[s], 2e-3f, "Bop's threshold is tau");
      cr_assert_eq(flipped, against > (float)t.threshold[s],
                   "weight %zu, step %zu: b %d, m %g, tau %g", k, s + 1, t.b[k][s - 1],
                   t.state[k][s], t.threshold[s]);
      flips += (size_t)flipped;
      held += !flipped && fabs(t.state[k][s]) > t.threshold[s]; /* |m| > tau with the sign */
    }
  cr_assert_gt(flips, 5, "the traced weights flipped only %zu times", flips);
  cr_assert_gt(held, 5, "no step had |m| > tau on the sign's side");
}

/* For every optimizer: b flips exactly where b y > threshold, y in filter units. */
Test(trace, every_optimizer_flips_where_filter_units_cross_the_threshold) {
  const char *runs[][2] = {{"--opt sgd --lr 0.5 --wd 0.5", "w"},
                           {"--opt sgd --lr 0.5 --wd 0.5 --momentum 0.5", "buf"},
                           {"--opt adam --lr 1e-2", "v"},
                           {"--opt bop2 --gamma 0.1 --tau 0.5", "v"},
                           {"--opt iir --poles 0.5,0.7", "y"}};
  for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
    Trace t;
    traced_run(runs[r][0], 200, runs[r][1], &t);
    size_t flips = 0;
    for (size_t k = 0; k < t.weights; k++)
      for (size_t s = 1; s < t.steps; s++) {
        int flipped = t.b[k][s] != t.b[k][s - 1];
        cr_assert_eq(flipped, (float)(t.b[k][s - 1] * t.y[k][s]) > (float)t.threshold[s],
                     "%s: weight %zu, step %zu: b %d, y %g", runs[r][0], k, s + 1, t.b[k][s - 1],
                     t.y[k][s]);
        flips += (size_t)flipped;
      }
    cr_assert_gt(flips, 0, "%s: no traced weight flipped", runs[r][0]);
  }
}

Test(trace, latent_sgd_filter_units_are_minus_lambda_w) {
  Trace t;
  traced_run("--opt sgd --lr 0.5 --wd 0.25", 50, "w", &t);
  for (size_t k = 0; k < t.weights; k++)
    for (size_t s = 0; s < t.steps; s++)
      cr_assert_float_eq(t.y[k][s], -0.25 * t.state[k][s], 1e-6 * fabs(t.state[k][s]) + 1e-30);
}

Test(trace, explicit_weights_in_the_order_given) {
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data xor --model mlp:8 --steps 3 --trace-weights 1:9,0:3 "
                   "--log-jsonl %s", in_tmp("t.jsonl"));
  char log[1 << 16];
  slurp(in_tmp("t.jsonl"), log, sizeof log);
  cr_assert(strstr(log, ",\"trace\":[{\"layer\":1,\"index\":9},{\"layer\":0,\"index\":3}]}\n"),
            "header: %.300s", log);
}

Test(trace, no_trace_without_the_flag) {
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data xor --model mlp:8 --steps 3 --log-jsonl %s",
                   in_tmp("t.jsonl"));
  char log[1 << 16];
  slurp(in_tmp("t.jsonl"), log, sizeof log);
  cr_assert_null(strstr(log, "trace"), "a log without --trace-weights names no trace");
}

Test(trace, bad_specs_name_the_flag_and_the_element) {
  char args[512];
  const char *cases[][2] = {
      {"0:1,x", "--trace-weights: element 2 'x': expected LAYER:INDEX"},
      {"0:1,0:1", "element 2 '0:1' repeats element 1"},
      {"9", "--trace-weights: expected a count 1..8"},
      {"0:1,0:2,0:3,0:4,0:5,0:6,0:7,0:8,0:9", "at most 8 weights in total, got more at element 9"},
      {"5:1", "--trace-weights: element 1 '5:1': the model has layers 0..1"},
      {"0:1,0:16", "--trace-weights: element 2 '0:16': layer 0 has weights 0..15"},
      {"5", "--trace-weights 5: 5 per layer x 2 layers is more than 8"}};
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    snprintf(args, sizeof args, "--headless --data xor --model mlp:8 --steps 2 "
             "--trace-weights '%s' --log-jsonl %s", cases[c][0], in_tmp("t.jsonl"));
    expect_usage_error(args, cases[c][1]);
  }
  expect_usage_error("--headless --data xor --model mlp:8 --steps 2 --trace-weights 1",
                     "--trace-weights: needs a JSONL log");
}

/* The rows of DIR/trace.dat: weight k's sign (column 4 + 3k) and its flip
 * mark (5 + 3k, NaN where it did not flip) agree; returns the flips marked. */
static size_t check_trace_data(const char *path, size_t weights, size_t rows) {
  FILE *f = fopen(path, "r");
  cr_assert(f, "no %s", path);
  char line[4096];
  int previous[MAX_W] = {0};
  size_t n = 0, marked = 0;
  cr_assert(fgets(line, sizeof line, f) && line[0] == '#', "trace.dat starts with its header");
  while (fgets(line, sizeof line, f)) {
    double cell[2 + 3 * MAX_W];
    char *p = line;
    for (size_t c = 0; c < 2 + 3 * weights; c++) cell[c] = strtod(p, &p);
    for (size_t k = 0; k < weights; k++) {
      int b = (int)cell[3 + 3 * k], flipped = n > 0 && b != previous[k];
      cr_assert_eq(!isnan(cell[4 + 3 * k]), flipped, "row %zu, weight %zu: flip mark", n + 1, k);
      marked += (size_t)flipped;
      previous[k] = b;
    }
    n++;
  }
  fclose(f);
  cr_assert_eq(n, rows, "trace.dat has %zu rows, not %zu", n, rows);
  return marked;
}

Test(trace, export_draws_the_traces_with_their_flips) {
  ProcResult r;
  run_flipscope_ok(&r, "--headless --data xor --model mlp:8 --batch 50 --steps 120 --opt cema "
                   "--alpha 0.3 --gamma 0.5 --trace-weights 0:3,1:5 --log-jsonl %s",
                   in_tmp("t.jsonl"));
  run_flipscope_ok(&r, "export %s %s", in_tmp("t.jsonl"), in_tmp("charts"));
  cr_assert_gt(check_trace_data(in_tmp("charts/trace.dat"), 2, 120), 0, "no flip marked");
  char script[1 << 14];
  slurp(in_tmp("charts/trace.gp"), script, sizeof script);
  cr_assert(strstr(script, "set output 'trace.png'"), "trace.gp renders trace.png");
  cr_assert(strstr(script, "L2, weight 5  (cema)") && strstr(script, "L1, weight 3  (cema)"),
            "each weight's panel is titled with its layer named as everywhere else (0:3 is L1)");
  cr_assert(!strstr(script, "layer 0") && !strstr(script, "layer 1,"), "a panel says 'layer N'");
  const char *first = strstr(script, "\nset multiplot");
  const char *second = first ? strstr(first + 1, "\nset multiplot") : NULL;
  cr_assert(first && (!second || second > strstr(first, "\nunset multiplot")),
            "a multiplot opened inside another draws nothing:\n%s", script);
  ProcResult plain;
  run_flipscope_ok(&plain, "--headless --data xor --model mlp:8 --steps 5 --export %s",
                   in_tmp("plain"));
  cr_assert(access(in_tmp("plain/trace.gp"), F_OK) != 0, "no trace chart without traces");
}

/* ---- across an optimizer switch (the live view's `o`), in the engine ---- */

/* A trainer of kind's defaults on the xor set, mlp:8, tracing 4 weights per layer. */
static Trainer *traced_trainer(const OptConfig *oc, Dataset *ds) {
  char err[256];
  DatasetOptions dopt = {.seed = 1};
  cr_assert_eq(dataset_load("xor", &dopt, ds, err, sizeof err), 0, "%s", err);
  TrainConfig tc = {.batch = 50, .max_steps = 200, .real_lr = 1e-3, .seed = 3};
  tc.schedule.kind = SCHED_CONST;
  ModelSpec spec = {.hidden = {8}, .n_hidden = 1};
  Trainer *t = trainer_create(&tc, &spec, oc, &ds->train, NULL, err, sizeof err);
  cr_assert(t, "%s", err);
  TraceSpec trace = {.per_layer = 4};
  size_t bad;
  cr_assert_eq(trainer_enable_trace(t, &trace, &bad), 0);
  return t;
}

Test(trace, carries_on_across_an_optimizer_switch) {
  OptConfig cema, bop;
  optim_defaults(OPT_CEMA, &cema);
  cema.alpha = 0.3, cema.gamma = 0.5;
  optim_defaults(OPT_BOP, &bop);
  bop.gamma = 0.2, bop.tau = 2e-3;
  Dataset ds;
  Trainer *t = traced_trainer(&cema, &ds);
  StepReport rep;
  char err[256];
  int8_t before[TRACE_MAX];
  size_t flips = 0;
  for (int s = 0; s < 200; s++) {
    if (s == 100) {
      Model *m = trainer_model(t);
      const float *signs[MODEL_MAX_LAYERS];
      for (size_t l = 0; l < m->n_layers; l++) signs[l] = m->layer[l].sign;
      OptSwitch sw;
      cr_assert_eq(optim_switch(trainer_optimizer(t), &bop, signs, &sw, err, sizeof err), 0, "%s",
                   err);
    }
    const TraceSnapshot *tr = trainer_trace(t);
    memcpy(before, tr->sign, sizeof before);
    cr_assert_eq(trainer_step(t, &rep, err, sizeof err), 1, "%s", err);
    cr_assert_eq(tr->step, rep.step, "captured at every step");
    cr_assert_eq(tr->kind, s < 100 ? OPT_CEMA : OPT_BOP, "step %d: the optimizer that ran", s + 1);
    for (size_t k = 0; s > 0 && k < tr->n; k++) {
      int flipped = tr->sign[k] != before[k];
      cr_assert_eq(flipped, before[k] * tr->filter[k] > tr->threshold, "step %d, weight %zu", s + 1,
                   k);
      flips += (size_t)(flipped && s >= 100);
    }
  }
  cr_assert_gt(flips, 0, "no traced weight flipped under Bop");
  trainer_free(t);
  dataset_free(&ds);
}

Test(trace, a_resumed_run_continues_its_trace_and_refuses_other_weights) {
  ProcResult r;
  const char *run = "--headless --data xor --model mlp:8 --batch 50";
  run_flipscope_ok(&r, "%s --steps 20 --trace-weights 0:1 --log-jsonl %s --save %s", run,
                   in_tmp("t.jsonl"), in_tmp("s.ckpt"));
  run_flipscope_ok(&r, "--headless --load %s --steps 30 --trace-weights 0:1 --log-jsonl %s",
                   in_tmp("s.ckpt"), in_tmp("t.jsonl"));
  Trace t;
  read_trace(in_tmp("t.jsonl"), "i", 1, &t);
  cr_assert_eq(t.steps, 30, "steps 1..30 traced once each: %zu records", t.steps);
  for (size_t s = 0; s < t.steps; s++) cr_assert_eq(t.step[s], (double)(s + 1));
  char args[1024];
  snprintf(args, sizeof args, "--headless --load %s --steps 30 --trace-weights 0:2 --log-jsonl %s",
           in_tmp("s.ckpt"), in_tmp("t.jsonl"));
  expect_exit(args, 1, "or other --trace-weights");
}
