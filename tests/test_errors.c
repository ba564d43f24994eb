/* test_errors.c — the kinds of the engine's and the data sets' errors
 * (engine/error.h), and how flipscope's command line shows them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
#include "app/cli/errors.h"
#include "datasets/load.h"
#include "engine/checkpoint.h"
#include "engine/error.h"
#include "engine/trainer.h"
#include "proc.h"
#include "tmpdir.h"

static char err[512];

static const DataSplit train10 = {.n = 10, .dim = 2, .classes = 2};

/* Settings with this batch and CEMA's defaults. */
static void settings(size_t batch, TrainConfig *tc, OptConfig *oc) {
  *tc = (TrainConfig){.batch = batch, .epochs = 1, .real_lr = 1e-3, .seed = 1};
  optim_defaults(OPT_CEMA, oc);
}

/* trainer_check's answer for that batch and a training split of 10. */
static int check_batch(size_t batch) {
  TrainConfig tc;
  OptConfig oc;
  settings(batch, &tc, &oc);
  return trainer_check(&tc, &oc, &train10, err, sizeof err);
}

Test(errors, a_batch_the_data_cannot_fill_is_a_usage_error_naming_the_setting) {
  cr_assert_eq(check_batch(11), ERR_USAGE);
  cr_assert_str_eq(err, "batch: 11 is not in 1..10 (the training split's size)");
  cr_assert_eq(check_batch(0), ERR_USAGE);
  cr_assert_eq(check_batch(10), 0, "%s", err);
  TrainConfig tc;
  OptConfig oc;
  settings(11, &tc, &oc);
  cr_assert_null(trainer_create(&tc, &(ModelSpec){0}, &oc, &train10, NULL, err, sizeof err));
  cr_assert_str_eq(err, "batch: 11 is not in 1..10 (the training split's size)");
  settings(10, &tc, &oc);
  oc.alpha = 0; /* an optimizer setting optim_check refuses */
  cr_assert_eq(trainer_check(&tc, &oc, &train10, err, sizeof err), ERR_USAGE);
}

Test(errors, a_bad_file_is_a_runtime_error, .init = tmpdir_make, .fini = tmpdir_remove) {
  CkptInfo info;
  const uint8_t junk[32] = "not a checkpoint at all";
  cr_assert_eq(checkpoint_inspect(junk, sizeof junk, &info, err, sizeof err), ERR_RUNTIME);
  cr_assert(strstr(err, "not a flipscope checkpoint"), "%s", err);
  Dataset d;
  char spec[128];
  snprintf(spec, sizeof spec, "csv:%s", in_tmp("absent.csv"));
  cr_assert_eq(dataset_load(spec, NULL, &d, err, sizeof err), ERR_RUNTIME);
  cr_assert(strstr(err, "absent.csv"), "%s", err);
}

Test(errors, the_command_line_spells_settings_as_flags_and_kinds_as_exit_codes) {
  cr_assert_str_eq(error_setting("val-frac").text, "val-frac", "no front end: the setting's name");
  errors_name_flags();
  cr_assert_str_eq(error_setting("val-frac").text, "--val-frac");
  cr_assert_eq(check_batch(11), ERR_USAGE);
  cr_assert_str_eq(err, "--batch: 11 is not in 1..10 (the training split's size)");
  error_set_spelling(NULL);
  cr_assert_eq(errors_exit_status(ERR_USAGE), EXIT_USAGE);
  cr_assert_eq(errors_exit_status(ERR_RUNTIME), EXIT_RUNTIME);
  cr_assert_eq(errors_exit_status(0), EXIT_OK);
}

/* What a user sees: the same lines and exit codes as when the engine wrote
 * the flags itself. */
static void expect_line(const char *args, int code, const char *line) {
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, code, "flipscope %s: exit %d, stderr: %s", args, r.code, r.err);
  cr_assert_str_eq(r.err, line, "flipscope %s", args);
}

Test(errors, flipscope_names_the_flags, .init = tmpdir_make, .fini = tmpdir_remove) {
  expect_line("--headless --data xor --model mlp:8 --batch 100000 --steps 1", EXIT_USAGE,
              "flipscope: --batch: 100000 is not in 1..1000 (the training split's size)\n");
  expect_line("--headless --data nosuch --steps 1", EXIT_USAGE,
              "flipscope: --data: unknown data set 'nosuch' (expected auto, glyphs, fashion, "
              "idx:DIR, cifar10:DIR, csv:FILE, spiral, xor, circles, gauss)\n");
  expect_line("--headless --data glyphs --val-frac 0.00001 --steps 1", EXIT_USAGE,
              "flipscope: --val-frac: 1e-05 of 12000 training samples leaves the validation split "
              "empty\n");
  setenv("FLIPSCOPE_FASHION_DIR", in_tmp("absent"), 1);
  char want[256];
  snprintf(want, sizeof want,
           "flipscope: --data fashion: %s not found (apt-get install dataset-fashion-mnist)\n",
           in_tmp("absent"));
  expect_line("--headless --data fashion --steps 1", EXIT_RUNTIME, want);
  ProcResult r;
  run_flipscope("filter --opt bop2 --unbiased", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert(strstr(r.out, "bop2 --unbiased compares (m/gamma)"), "%s", r.out);
}
