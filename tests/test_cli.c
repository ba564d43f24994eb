/* test_cli.c — the command-line contract: bad flags exit 2 with one clear line
 * naming the flag; --config files; --help. */
#include <criterion/criterion.h>
#include <string.h>

#include "app/cli/config.h"
#include "files.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(cli, .init = tmpdir_make, .fini = tmpdir_remove);

/* What the last parse made of the arguments, and its message. */
static Config cfg;
static char err[256];

/* config_parse of argv into cfg and err. */
static int parse(int argc, char **argv) { return config_parse(argc, argv, &cfg, err, sizeof err); }

/* Writes text to the config file tmp/run.cfg; returns its path. */
static char *config_file(const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "%s", in_tmp("run.cfg"));
  file_write_text(path, text);
  return path;
}

Test(cli, unknown_option) { expect_usage_error("--headless --frobnicate 3", "--frobnicate"); }
Test(cli, negative_rate) { expect_usage_error("--headless --alpha -1", "--alpha"); }
Test(cli, nan_rate) { expect_usage_error("--headless --lr nan", "--lr"); }
Test(cli, infinite_rate) { expect_usage_error("--headless --gamma inf", "--gamma"); }
Test(cli, zero_batch) { expect_usage_error("--headless --batch 0", "--batch"); }
Test(cli, malformed_model) { expect_usage_error("--headless --model mlp:12xx3", "--model"); }
Test(cli, model_without_prefix) { expect_usage_error("--headless --model 1024", "--model"); }
Test(cli, unknown_optimizer) { expect_usage_error("--headless --opt rmsprop", "--opt"); }
Test(cli, missing_value) { expect_usage_error("--headless --seed", "--seed"); }
Test(cli, bad_schedule) { expect_usage_error("--headless --schedule step:3,2", "--schedule"); }
Test(cli, unknown_data) { expect_usage_error("--headless --data nosuchset", "--data"); }
Test(cli, batch_larger_than_data) {
  expect_usage_error("--headless --data glyphs --batch 999999", "--batch");
}
Test(cli, unknown_precision) { expect_usage_error("--headless --precision fp16", "--precision"); }

/* bf16 by default where the AMX kernel can run, else fp32; --precision and
 * config files set it, and bf16 is refused only where neither bf16 kernel runs. */
Test(cli, precision_defaults_to_bf16_where_amx_runs) {
  cr_assert_eq(parse(1, (char *[]){"--headless"}), 0, "%s", err);
  cr_assert_eq(cfg.train.precision, amx_bf16_missing() ? PRECISION_FP32 : PRECISION_BF16);
  cr_assert_eq(cfg.saved_precision, -1);
  cr_assert_eq(parse(2, (char *[]){"--precision", "fp32"}), 0, "%s", err);
  cr_assert_eq(cfg.train.precision, PRECISION_FP32);
  char *path = config_file("precision = bf16\n");
  int rc = parse(2, (char *[]){"--config", path});
  if (bf16_products_missing()) {
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err, "precision bf16: this CPU lacks "), "%s", err);
  } else {
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(cfg.train.precision, PRECISION_BF16);
  }
}

Test(cli, bad_simd_env) {
  ProcResult r;
  setenv("FLIPSCOPE_SIMD", "neon", 1);
  run_flipscope("--headless --data glyphs --steps 1", &r);
  unsetenv("FLIPSCOPE_SIMD");
  cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
  cr_assert(strstr(r.err, "FLIPSCOPE_SIMD"), "%s", r.err);
}

Test(cli, help_lists_every_documented_flag) {
  ProcResult r;
  run_flipscope("--help", &r);
  cr_assert_eq(r.code, 0);
  const char *flags[] = {"--headless", "--data", "--model", "--opt", "--alpha", "--gamma", "--lr",
                         "--schedule", "--real-lr", "--epochs", "--steps", "--batch", "--seed",
                         "--threads", "--log", "--config", "--eval-every", "--init-scale"};
  for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
    cr_assert(strstr(r.out, flags[i]), "--help lacks %s", flags[i]);
}

Test(cli, config_file_sets_values_and_flags_override) {
  char *path = config_file("# a run\nopt = adam\nlr = 0.01   # rate\nbatch=32\nheadless = true\n");
  cr_assert_eq(parse(4, (char *[]){"--config", path, "--lr", "0.002"}), 0, "%s", err);
  cr_assert_eq(cfg.opt.kind, OPT_ADAM);
  cr_assert_float_eq(cfg.opt.lr, 0.002, 1e-12);
  cr_assert_eq(cfg.train.batch, 32);
  cr_assert_eq(cfg.headless, 1);
}

/* Checkpoints saved before flip-flops were renamed reversals hold
 * "flipflop-window = K" in their settings: it still reads, as the new key. */
Test(cli, the_old_name_of_a_renamed_setting_still_reads) {
  char *path = config_file("flipflop-window = 7\n");
  cr_assert_eq(parse(2, (char *[]){"--config", path}), 0, "%s", err);
  cr_assert_eq(cfg.reversal_window, 7);
}

/* A key given twice in a config file was taken silently (the last won). */
Test(cli, a_config_key_given_twice_is_refused) {
  char *path = config_file("lr = 0.1\nbatch = 10\nlr = 0.2\n");
  cr_assert_eq(parse(2, (char *[]){"--config", path}), -1);
  char want[512];
  snprintf(want, sizeof want, "%s:3: lr: given twice (first on line 1)", path);
  cr_assert_str_eq(err, want);
}

Test(cli, config_file_errors_name_file_and_line) {
  char *path = config_file("lr = 0.1\nbogus = 3\n");
  cr_assert_eq(parse(2, (char *[]){"--config", path}), -1);
  char want[512];
  snprintf(want, sizeof want, "%s:2: unknown key 'bogus'", path);
  cr_assert(strstr(err, want), "%s", err);
  cr_assert_eq(parse(2, (char *[]){"--config", "/nonexistent/x.cfg"}), -1);
  cr_assert(strstr(err, "/nonexistent/x.cfg"), "%s", err);
}

Test(cli, config_file_once_in_either_form_and_readable) {
  char *path = config_file("batch = 7\ndata = \"csv:/tmp/a b#1.csv\"  # quoted: blanks and '#'\n");
  char arg[300];
  snprintf(arg, sizeof arg, "--config=%s", path);
  cr_assert_eq(parse(1, (char *[]){arg}), 0, "%s", err);
  cr_assert_eq(cfg.train.batch, 7, "--config=FILE is read too");
  cr_assert_str_eq(cfg.data, "csv:/tmp/a b#1.csv");
  cr_assert_eq(parse(3, (char *[]){"--config", path, arg}), -1);
  cr_assert_str_eq(err, "--config: given more than once");
  cr_assert_eq(parse(2, (char *[]){"--config", "/tmp"}), -1);
  cr_assert_str_eq(err, "--config: /tmp: not a regular file (a directory)");
}

Test(cli, steps_alone_span_the_schedule) {
  cr_assert_eq(parse(2, (char *[]){"--steps", "50"}), 0, "%s", err);
  cr_assert_eq(cfg.train.max_steps, 50);
  cr_assert_eq(cfg.train.epochs, 0);
}

/* Spellings strtod takes but a user does not mean, and settings under which
 * an optimizer cannot work, are refused with one line naming the flag; the
 * same spellings are refused in config files and --change. */
Test(cli, numbers_a_user_does_not_mean_are_refused) {
  const char *bad[] = {"0x10", " 1", "1 ", "inf", "nan", "1e", "0x1p-3", "1e999", "--1", "1,5"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char args[128];
    snprintf(args, sizeof args, "--headless --steps 1 --alpha '%s'", bad[i]);
    expect_usage_error(args, "--alpha");
    snprintf(args, sizeof args, "--headless --steps 1 --change '1:alpha=%s'", bad[i]);
    expect_usage_error(args, "--change");
  }
  const char *good[] = {"1e-3", ".5", "1.", "0.25", "1E-2", "+0.5"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    cr_assert_eq(parse(2, (char *[]){"--alpha", (char *)good[i]}), 0, "%s: %s", good[i], err);
}

Test(cli, degenerate_and_unstable_settings_are_refused) {
  expect_usage_error("--headless --data glyphs --steps 1 --gamma 0", "--gamma");
  expect_usage_error("--headless --data glyphs --steps 1 --alpha 3", "--alpha");
  expect_usage_error("--headless --data glyphs --steps 1 --opt bop --gamma 0", "--gamma");
  expect_usage_error("--headless --data glyphs --steps 1 --opt sgd --lr 0", "--lr");
  expect_usage_error("--headless --data glyphs --steps 1 --opt sgd --lr 10 --wd 0.5", "--wd");
  expect_usage_error("--headless --data glyphs --steps 1 --opt sgd --lr 10 --wd 0.4 --momentum 0.9",
                     "--wd");
}

/* A flag of another optimizer used to be ignored silently: one warning each. */
Test(cli, a_flag_of_another_optimizer_warns_once) {
  ProcResult r;
  run_flipscope("--headless --data glyphs --model mlp:8 --steps 1 --tau 1e-6 --tau 2e-6 "
                "--momentum 0.5 --alpha 0.01", &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  cr_assert(strstr(r.err, "flipscope: warning: --tau has no effect with --opt cema\n"), "%s", r.err);
  cr_assert(strstr(r.err, "flipscope: warning: --momentum has no effect with --opt cema\n"), "%s", r.err);
  cr_assert_null(strstr(strstr(r.err, "--tau has") + 1, "--tau has"), "twice: %s", r.err);
  cr_assert_null(strstr(r.err, "--alpha"), "alpha is cema's: %s", r.err);
}
