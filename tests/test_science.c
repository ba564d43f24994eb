/* test_science.c — what a headless run reports about its flips: the first
 * step on its own (from zero filter state it flips about half the network),
 * and --state-init, which lets the initial signs survive the first steps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "tmpdir.h"

TestSuite(science, .init = tmpdir_make, .fini = tmpdir_remove);

#define SMALL "--headless --data glyphs --model mlp:32x32 --batch 50 --threads 1"

/* Column `col` (0-based) of CSV row `row` (1-based, after the header) of file path. */
static double csv_cell(const char *path, int row, int col) {
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  char line[8192];
  for (int i = 0; i <= row; i++) cr_assert_not_null(fgets(line, sizeof line, f), "row %d", row);
  fclose(f);
  const char *p = line;
  for (int c = 0; c < col; c++) p = strchr(p, ',') + 1;
  return strtod(p, NULL);
}

Test(science, summary_reports_the_first_step_apart) {
  ProcResult r;
  run_flipscope_ok(&r, SMALL " --steps 30 --log %s", in_tmp("run.csv"));
  double total = json_number(r.out, "flips_total"), first = json_number(r.out, "flips_first_step");
  cr_assert_eq(first, csv_cell(in_tmp("run.csv"), 1, 6), "step 1's flips: %s", r.out);
  cr_assert_eq(json_number(r.out, "flips_after_first"), total - first, "%s", r.out);
  /* 256x32 + 32x32 + 32x10 weights (16x16 glyphs); step 1 sets each to -sign(g): about half flip. */
  const double weights = 256 * 32 + 32 * 32 + 32 * 10;
  cr_assert(first > 0.3 * weights && first < 0.7 * weights, "%s", r.out);
  /* Resumed mid-run, the summary still knows step 1's flips. */
  run_flipscope_ok(&r, SMALL " --epochs 1 --steps 10 --save %s", in_tmp("run.ckpt"));
  run_flipscope_ok(&r, "--headless --load %s --steps 30", in_tmp("run.ckpt"));
  cr_assert_eq(json_number(r.out, "flips_first_step"), first, "%s", r.out);
  cr_assert_eq(json_number(r.out, "flips_total"), total, "%s", r.out);
}

Test(science, state_init_keeps_the_initial_signs_through_step_one) {
  const char *opts[] = {"cema", "bop", "iir"};
  for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) {
    ProcResult r;
    run_flipscope_ok(&r, SMALL " --opt %s --steps 5", opts[k]);
    double from_zero = json_number(r.out, "flips_first_step");
    run_flipscope_ok(&r, SMALL " --opt %s --steps 5 --state-init 1e-3", opts[k]);
    cr_assert(from_zero > 1000, "%s: %g flips at step 1 from zero", opts[k], from_zero);
    cr_assert_eq(json_number(r.out, "flips_first_step"), 0, "%s: %s", opts[k], r.out);
  }
}

/* The mean of CSV column `col` over rows [from, to] (1-based). */
static double csv_mean(const char *path, int from, int to, int col) {
  double sum = 0;
  for (int row = from; row <= to; row++) sum += csv_cell(path, row, col);
  return sum / (to - from + 1);
}

Test(science, ff_ratio_is_the_epochs_mean_flip_ratio) {
  ProcResult r;
  /* glyphs: 12,000 training images, batch 200: 60 steps per epoch */
  run_flipscope_ok(&r, SMALL " --batch 200 --epochs 2 --log %s", in_tmp("run.csv"));
  double want = csv_mean(in_tmp("run.csv"), 61, 120, 7); /* flip_ratio, the last epoch */
  cr_assert_float_eq(json_number(r.out, "ff_ratio"), want, 1e-5 * want, "%s", r.out);
  /* each epoch's line shows its own ff_ratio, step 1 included in the first */
  char line[96];
  snprintf(line, sizeof line, "ff_ratio %.3g%%", 100 * csv_mean(in_tmp("run.csv"), 1, 60, 7));
  cr_assert(strstr(r.err, line), "'%s' not in: %s", line, r.err);
  snprintf(line, sizeof line, "ff_ratio %.3g%%", 100 * want);
  cr_assert(strstr(r.err, line), "'%s' not in: %s", line, r.err);
  /* a run resumed inside the epoch reports the same */
  run_flipscope_ok(&r, SMALL " --batch 200 --epochs 2 --steps 90 --save %s", in_tmp("c"));
  run_flipscope_ok(&r, "--headless --load %s --steps 120", in_tmp("c"));
  cr_assert_float_eq(json_number(r.out, "ff_ratio"), want, 1e-5 * want, "%s", r.out);
}
