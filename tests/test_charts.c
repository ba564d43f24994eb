/* test_charts.c — what `flipscope export` draws from what a log holds: a
 * CSV alone gets only the charts it can fill, two runs are refused, every
 * chart carries the run's title, and the raster and the layer names read
 * as in the live view. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(charts, .init = tmpdir_make, .fini = tmpdir_remove);

static ProcResult result; /* large: static */

/* A short run's CSV and JSONL logs as NAME.csv and NAME.jsonl in the temp dir. */
static void short_run(const char *name) {
  char csv[32], jsonl[32];
  snprintf(csv, sizeof csv, "%s.csv", name);
  snprintf(jsonl, sizeof jsonl, "%s.jsonl", name);
  run_flipscopef(&result, "--headless --data glyphs --model mlp:16x16 --steps 12 --batch 40 "
                 "--threads 1 --eval-every 6 --log %s --log-jsonl %s", in_tmp(csv), in_tmp(jsonl));
  cr_assert_eq(result.code, 0, "%s", result.err);
}

static int exists(const char *dir, const char *name) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

Test(charts, a_csv_alone_draws_only_what_it_holds, .timeout = 60) {
  short_run("run");
  unlink(in_tmp("run.jsonl"));
  run_flipscopef(&result, "export %s %s", in_tmp("run.csv"), in_tmp("out"));
  cr_assert_eq(result.code, 0, "%s", result.err);
  const char *out = in_tmp("out");
  cr_assert(exists(out, "loss.gp") && exists(out, "flips.gp"));
  cr_assert(!exists(out, "bode.gp") && !exists(out, "bode.dat"),
            "no optimizer settings: no Bode chart");
  char *dash = file_read_or_fail(in_tmp("out/dashboard.gp"), NULL);
  cr_assert(strstr(dash, "set multiplot layout 1,2 title"), "two panels, one row: %s", dash);
  cr_assert_null(strstr(dash, "multiplot next"), "no blank panels: %s", dash);
  cr_assert(strstr(dash, "pngcairo size 1500,500"), "%s", dash);
  free(dash);
}

Test(charts, two_runs_are_refused_with_one_line, .timeout = 60) {
  short_run("a");
  short_run("b");
  run_flipscopef(&result, "export %s %s %s", in_tmp("a.csv"), in_tmp("b.csv"), in_tmp("out"));
  cr_assert_eq(result.code, 2, "%s", result.err);
  cr_assert(strstr(result.err, "a.csv and ") && strstr(result.err, "b.csv are both CSV logs"), "%s",
            result.err);
  cr_assert_eq(strchr(result.err, '\n'), strrchr(result.err, '\n'), "one line: %s", result.err);
  cr_assert_neq(access(in_tmp("out"), F_OK), 0, "nothing written");
  /* One run's two logs, in either order, still go together. */
  run_flipscopef(&result, "export %s %s %s", in_tmp("a.jsonl"), in_tmp("a.csv"), in_tmp("out"));
  cr_assert_eq(result.code, 0, "%s", result.err);
}

Test(charts, every_chart_carries_the_title_and_the_live_views_colours, .timeout = 60) {
  short_run("run");
  run_flipscopef(&result, "export --title 'Lesson 3' %s %s", in_tmp("run.csv"), in_tmp("out"));
  cr_assert_eq(result.code, 0, "%s", result.err);
  static const char *const scripts[] = {"loss.gp", "flips.gp", "fan_l0.gp", "heat_l1.gp",
                                        "raster_l0.gp", "bode.gp", "dashboard.gp"};
  for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
    char path[64];
    snprintf(path, sizeof path, "out/%s", scripts[i]);
    char *gp = file_read_or_fail(in_tmp(path), NULL);
    cr_assert(strstr(gp, "set multiplot layout") && strstr(gp, "title 'Lesson 3'"), "%s: %s",
              scripts[i], gp);
    free(gp);
  }
  /* Blue +1 and red -1 (views/view_weights.c), layers L1..Ln as on screen. */
  char *raster = file_read_or_fail(in_tmp("out/raster_l0.gp"), NULL);
  cr_assert(strstr(raster, "'L1: signs of ") && strstr(raster, "(blue +1, red -1)"), "%s", raster);
  cr_assert(strstr(raster, "set palette defined (-1 '#b2182b', 1 '#2166ac')"), "%s", raster);
  free(raster);
  char *flips = file_read_or_fail(in_tmp("out/flips.gp"), NULL);
  char *fan = file_read_or_fail(in_tmp("out/fan_l1.gp"), NULL);
  cr_assert(strstr(flips, "title 'L1'") && strstr(flips, "title 'L2'") && !strstr(flips, "layer 0"),
            "%s", flips);
  cr_assert(strstr(fan, "'L2 inertia: percentile bands'"), "%s", fan);
  free(flips);
  free(fan);
  /* The loss chart's legend is above the plot, never opaque over a curve. */
  char *loss = file_read_or_fail(in_tmp("out/loss.gp"), NULL);
  cr_assert(strstr(loss, "set key tmargin") && !strstr(loss, "opaque"), "%s", loss);
  free(loss);
}
