/* test_change.c — headless --change STEP:NAME=VALUE: the setting applies from
 * step STEP on (the CSV's rate column shows it), the JSONL log records the
 * param_change the charts mark, and a bad name or value is a usage error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(change, .init = tmpdir_make, .fini = tmpdir_remove);

static ProcResult result; /* large: static */

/* The `rate` column (the third) of the CSV row of `step`, or -1. */
static double csv_rate(const char *csv, unsigned step) {
  char prefix[32];
  snprintf(prefix, sizeof prefix, "\n%u,", step);
  const char *row = strstr(csv, prefix);
  if (!row) return -1;
  const char *comma = strchr(row + strlen(prefix), ','); /* after the epoch */
  return comma ? atof(comma + 1) : -1;
}

Test(change, applies_from_its_step_and_is_logged) {
  char args[1024];
  snprintf(args, sizeof args,
           "--headless --data glyphs --model mlp:32x32 --threads 1 --steps 30 --schedule const "
           "--alpha 1e-3 --change 20:alpha=2.5e-4 --log %s --log-jsonl %s",
           in_tmp("run.csv"), in_tmp("run.jsonl"));
  run_flipscope(args, &result);
  cr_assert_eq(result.code, 0, "%s", result.err);
  cr_assert(strstr(result.err, "alpha 0.001 -> 0.00025 from step 20"), "%s", result.err);
  static char csv[1 << 16], jsonl[1 << 20];
  slurp(in_tmp("run.csv"), csv, sizeof csv);
  for (unsigned step = 1; step <= 30; step++)
    cr_assert_float_eq(csv_rate(csv, step), step < 20 ? 1e-3 : 2.5e-4, 1e-12, "step %u: %s", step,
                       csv);
  slurp(in_tmp("run.jsonl"), jsonl, sizeof jsonl);
  static const char type[] = "{\"type\":\"param_change\",";
  const char *rec = strstr(jsonl, type);
  cr_assert(rec, "no param_change record");
  static const char want[] = "\"step\":20,\"param\":\"alpha\",\"old\":0.001,\"new\":0.00025}";
  cr_assert(!strncmp(rec + strlen(type), want, strlen(want)), "%.200s", rec);
  cr_assert_null(strstr(rec + 1, type), "one change, one record");
}

Test(change, bad_values_are_usage_errors) {
  static const char *bad[] = {
      "20:alpha=-1",  /* as --alpha: >= 0 */
      "20:alpha=x",   /* not a number */
      "20:nosuch=1",  /* no such option */
      "20:epochs=5",  /* not an optimizer setting */
      "20:lr=0.1",    /* not a setting of cema */
      "0:alpha=1e-4", /* steps count from 1 */
      "alpha=1e-4",   /* no step */
      "20:alpha",     /* no value */
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char args[256];
    snprintf(args, sizeof args, "--headless --data glyphs --model mlp:32x32 --steps 2 --change '%s'",
             bad[i]);
    run_flipscope(args, &result);
    cr_assert_eq(result.code, 2, "--change %s: exit %d", bad[i], result.code);
    cr_assert(!strncmp(result.err, "flipscope: --change", 19), "--change %s: %s", bad[i], result.err);
    cr_assert_eq(strchr(result.err, '\n'), result.err + strlen(result.err) - 1, "one line: %s",
                 result.err);
  }
}

Test(change, parsed_in_order_and_repeatable) {
  char *argv[] = {"--opt", "sgd", "--change", "600:lr=0.01", "--change=300:wd=1e-4"};
  Config cfg;
  char err[512];
  cr_assert_eq(config_parse(5, argv, &cfg, err, sizeof err), 0, "%s", err);
  cr_assert_eq(cfg.n_changes, 2);
  cr_assert_eq(cfg.changes[0].step, 600);
  cr_assert_str_eq(cfg.changes[0].name, "lr");
  cr_assert_float_eq(cfg.changes[0].value, 0.01, 1e-15);
  cr_assert_eq(cfg.changes[1].step, 300);
  cr_assert_str_eq(cfg.changes[1].name, "wd");
}

/* The charts mark a change with a short label, not the whole message (the
 * scripts only: rendering them is the telemetry suite's test). */
Test(change, charts_label_the_change_briefly) {
  setenv("FLIPSCOPE_GNUPLOT", "", 1);
  char args[1024];
  snprintf(args, sizeof args,
           "--headless --data glyphs --model mlp:16 --threads 1 --steps 30 --schedule const "
           "--alpha 1e-3 --change 20:alpha=1.778e-3 --log %s --log-jsonl %s --export %s",
           in_tmp("run.csv"), in_tmp("run.jsonl"), in_tmp("charts"));
  run_flipscope(args, &result);
  unsetenv("FLIPSCOPE_GNUPLOT");
  cr_assert_eq(result.code, 0, "%s", result.err);
  static char gp[1 << 18];
  slurp(in_tmp("charts/dashboard.gp"), gp, sizeof gp);
  cr_assert(strstr(gp, "set label 'alpha 1e-3->1.8e-3' at 20,"), "no short marker label:\n%.2000s", gp);
}
