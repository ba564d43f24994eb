/* test_cli_text.c — the --model and --schedule texts (app/cli/model_text.h,
 * app/cli/schedule_text.h): what they accept, what they refuse and how. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "app/cli/model_text.h"
#include "app/cli/schedule_text.h"

static char err[256];

Test(cli_text, models_round_trip_within_the_engine_limits) {
  ModelSpec spec;
  char text[128];
  const char *good[] = {"mlp:", "mlp:64", "mlp:1024x1024", "mlp:65536x1"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    cr_assert_eq(model_text_parse(good[i], &spec, err, sizeof err), 0, "%s: %s", good[i], err);
    model_spec_format(&spec, text, sizeof text);
    cr_assert_str_eq(text, good[i]);
  }
  cr_assert_eq(spec.n_hidden, 2);
  cr_assert_eq(spec.hidden[0], MODEL_MAX_WIDTH);
  char deep[128] = "mlp:1";
  for (int l = 1; l < MODEL_MAX_LAYERS - 1; l++) snprintf(deep + strlen(deep), 8, "x1");
  cr_assert_eq(model_text_parse(deep, &spec, err, sizeof err), 0, "%s", err);
  cr_assert_eq(spec.n_hidden, MODEL_MAX_LAYERS - 1);
}

Test(cli_text, bad_models_are_refused_naming_the_flag) {
  ModelSpec spec;
  cr_assert_eq(model_text_parse("1024", &spec, err, sizeof err), -1);
  cr_assert_str_eq(err, "--model: '1024' is neither mlp:H1xH2... (e.g. mlp:1024x1024) nor "
                        "cnn:LAYERS (e.g. cnn:c32-p-c64-p-f256)");
  cr_assert_eq(model_text_parse("mlp:65537", &spec, err, sizeof err), -1);
  cr_assert_str_eq(err, "--model: bad layer width in 'mlp:65537' (widths 1..65536 separated by 'x')");
  const char *bad[] = {"mlp:0", "mlp:12xx3", "mlp:8x", "mlp:x8", "mlp:-1", "mlp:8y"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(model_text_parse(bad[i], &spec, err, sizeof err), -1, "%s accepted", bad[i]);
  char deep[128] = "mlp:1";
  for (int l = 1; l < MODEL_MAX_LAYERS; l++) snprintf(deep + strlen(deep), 8, "x1");
  cr_assert_eq(model_text_parse(deep, &spec, err, sizeof err), -1);
  cr_assert_str_eq(err, "--model: at most 15 hidden layers");
}

Test(cli_text, cnn_models_round_trip_and_read_as_the_grammar_says) {
  ModelSpec spec;
  char text[128];
  const char *good[] = {"cnn:c32-p-c64-p-f256", "cnn:c1", "cnn:c64k5s2v-g-f10", "cnn:c8-c8r-c8-a",
                        "cnn:c3k1-c65536", "cnn:f16"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    cr_assert_eq(model_text_parse(good[i], &spec, err, sizeof err), 0, "%s: %s", good[i], err);
    model_spec_format(&spec, text, sizeof text);
    cr_assert_str_eq(text, good[i]);
  }
  /* Options in any order are written in one: k, s, v, r. */
  cr_assert_eq(model_text_parse("cnn:c16rvk5s2", &spec, err, sizeof err), 0, "%s", err);
  model_spec_format(&spec, text, sizeof text);
  cr_assert_str_eq(text, "cnn:c16k5s2vr");
  cr_assert_eq(model_text_parse("cnn:c32-p-c64k5s2v-g-f256", &spec, err, sizeof err), 0);
  cr_assert(spec.cnn);
  cr_assert_eq(spec.n_hidden, 3);
  const LayerShape *c2 = &spec.shape[1];
  cr_assert(spec.hidden[1] == 64 && c2->kernel == 5 && c2->stride == 2 &&
            c2->padding == CONV_VALID && c2->pool == POOL_GLOBAL && !c2->shortcut);
  cr_assert(spec.shape[0].kernel == 3 && spec.shape[0].stride == 1 &&
            spec.shape[0].padding == CONV_SAME && spec.shape[0].pool == POOL_MAX2);
  cr_assert(spec.shape[2].kernel == 0 && spec.hidden[2] == 256, "f256 is dense");
}

Test(cli_text, bad_cnn_models_name_the_element) {
  ModelSpec spec;
  const struct {
    const char *text, *want;
  } bad[] = {
      {"cnn:", "element 1 (''): each layer is cN"},
      {"cnn:p-c3", "element 1 ('p'): pooling (p, a, g) must follow a convolution"},
      {"cnn:f8-p", "element 2 ('p'): pooling (p, a, g) must follow a convolution"},
      {"cnn:c4-p-p", "element 3 ('p'): a convolution takes one pooling"},
      {"cnn:c4r-p", "element 2 ('p'): a convolution with a real shortcut (r) cannot pool"},
      {"cnn:c4k0", "element 1 ('c4k0'): a convolution's options are"},
      {"cnn:c4kk3", "element 1 ('c4kk3'): a convolution's options are"},
      {"cnn:c4s2s2", "element 1 ('c4s2s2'): a convolution's options are"},
      {"cnn:c0", "element 1 ('c0'): a layer needs 1 to 65536"},
      {"cnn:c65537", "element 1 ('c65537'): a layer needs 1 to 65536"},
      {"cnn:f8v", "element 1 ('f8v'): a dense layer is fN"},
      {"cnn:c8-", "element 1 ('c8'): the text ends with '-'"},
      {"cnn:c8--c8", "element 2 (''): each layer is cN"},
      {"cnn:x8", "element 1 ('x8'): each layer is cN"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(model_text_parse(bad[i].text, &spec, err, sizeof err), -1, "%s accepted",
                 bad[i].text);
    char want[160];
    snprintf(want, sizeof want, "--model: '%s', %s", bad[i].text, bad[i].want);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s: got '%s'", bad[i].text, err);
  }
  char deep[160] = "cnn:c1";
  for (int l = 1; l < MODEL_MAX_LAYERS; l++) snprintf(deep + strlen(deep), 8, "-c1");
  cr_assert_eq(model_text_parse(deep, &spec, err, sizeof err), -1);
  cr_assert(strstr(err, "too many layers"), "%s", err);
}

Test(cli_text, schedules_round_trip_and_bad_ones_name_the_flag) {
  Schedule s;
  char text[64];
  const char *good[] = {"const", "linear", "cosine", "step:2", "step:2,4,8"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    cr_assert_eq(schedule_text_parse(good[i], &s, err, sizeof err), 0, "%s: %s", good[i], err);
    schedule_text_format(&s, text, sizeof text);
    cr_assert_str_eq(text, good[i]);
  }
  cr_assert_eq(s.kind, SCHED_STEP);
  cr_assert_eq(s.n_milestones, 3);
  cr_assert_eq(schedule_text_parse("hourly", &s, err, sizeof err), -1);
  cr_assert_str_eq(err, "--schedule: unknown schedule 'hourly' (const, linear, cosine, step:E1,E2)");
  const char *bad[] = {"step:", "step:3,2", "step:2,2", "step:-1", "step:1,2,3,4,5,6,7,8,9"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(schedule_text_parse(bad[i], &s, err, sizeof err), -1, "%s accepted", bad[i]);
    cr_assert(strstr(err, "--schedule: bad milestones in"), "%s", err);
  }
}
