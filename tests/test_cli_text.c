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
  cr_assert_str_eq(err, "--model: '1024' is not of the form mlp:H1xH2... (e.g. mlp:1024x1024)");
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
